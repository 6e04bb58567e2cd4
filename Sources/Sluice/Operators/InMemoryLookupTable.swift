/// A lookup table held in memory as a dictionary from key to row.
///
/// For tests, small reference data, and preloaded files. Keys are `.int` or
/// `.string` values; rows are the values of the enrich step's fields, in order.
/// A lookup builds a `Value` for the key (a `String` for string keys), which is
/// cheap next to a disk read but not free: the enrich operator's cache still
/// helps for hot keys.
public final class InMemoryLookupTable: LookupTable {
    public let rows: [Value: [Value]]
    public let name: String
    /// Calls to ``lookup(_:)``.
    public private(set) var lookups = 0

    public init(_ rows: [Value: [Value]], name: String = "in-memory table") {
        self.rows = rows
        self.name = name
    }

    public func lookup(_ key: LookupKey) throws -> [Value]? {
        lookups += 1
        return rows[key.value]
    }

    public var explanation: String { "\(name) (\(rows.count) keys in memory)" }
}
