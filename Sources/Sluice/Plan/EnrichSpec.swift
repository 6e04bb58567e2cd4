/// An `enrich` step: joins each record with a lookup table by a key field and
/// adds the table's columns as new fields.
///
/// ```yaml
/// - enrich:
///     table: sensors.csv          # a CSV or NDJSON file, relative to the spec file
///     key: sensor_id              # the stream's key field: string or int64
///     table_key: id               # the table's key column (default: same as key)
///     fields: [{name: site, type: string}, {name: elevation, type: float64}]
///     on_miss: keep               # keep (fields null) or reject (dead letter lookup_miss)
///     cache: {capacity: 10000, ttl: 5m}   # or none (the default)
///     preload: false              # true: load the whole table into memory
/// ```
///
/// A record whose key is null never matches. Which tables exist and how they
/// are read is up to the ``PlanResources`` the plan is compiled with (`sluice
/// run` reads files).
public struct EnrichSpec: Sendable, Hashable {
    /// What happens to a record whose key is null or not in the table.
    public enum MissPolicy: String, Codable, Sendable, CaseIterable {
        /// The record goes on with the added fields null.
        case keep
        /// The record goes to the dead letters (`lookup_miss`).
        case reject
    }

    /// The table: a path for file tables (relative paths resolve against the spec file's directory).
    public var table: String
    /// The stream field to look up: `string` or `int64`.
    public var key: String
    /// The table's key column; nil means the same name as ``key``.
    public var tableKey: String?
    /// The table columns to add, with their types (the table is read with these types).
    public var fields: [Field]
    public var onMiss: MissPolicy
    public var cache: CachePolicy
    /// Load the whole table into memory at start instead of reading a record from disk per lookup.
    /// A preloaded lookup is itself a hash lookup, about as cheap as a cache hit, so a cache in
    /// front of a preloaded table mostly adds bookkeeping (`sluice bench-enrich` shows both).
    public var preload: Bool

    public init(table: String, key: String, tableKey: String? = nil, fields: [Field], onMiss: MissPolicy = .keep,
                cache: CachePolicy = .none, preload: Bool = false) {
        self.table = table
        self.key = key
        self.tableKey = tableKey
        self.fields = fields
        self.onMiss = onMiss
        self.cache = cache
        self.preload = preload
    }

    /// The table's key column name.
    public var resolvedTableKey: String { tableKey ?? key }
}

extension EnrichSpec: Codable {
    private enum Keys: String, CodingKey {
        case table, key, fields, cache, preload
        case tableKey = "table_key"
        case onMiss = "on_miss"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(table: try c.decode(String.self, forKey: .table),
                  key: try c.decode(String.self, forKey: .key),
                  tableKey: try c.decodeIfPresent(String.self, forKey: .tableKey),
                  fields: try c.decode([Field].self, forKey: .fields),
                  onMiss: try c.decodeIfPresent(MissPolicy.self, forKey: .onMiss) ?? .keep,
                  cache: try c.decodeIfPresent(CachePolicy.self, forKey: .cache) ?? CachePolicy.none,
                  preload: try c.decodeIfPresent(Bool.self, forKey: .preload) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(table, forKey: .table)
        try c.encode(key, forKey: .key)
        try c.encodeIfPresent(tableKey, forKey: .tableKey)
        try c.encode(fields, forKey: .fields)
        try c.encode(onMiss, forKey: .onMiss)
        if case .lru = cache { try c.encode(cache, forKey: .cache) }
        if preload { try c.encode(true, forKey: .preload) }
    }
}
