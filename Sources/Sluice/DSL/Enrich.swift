/// Joins each record with a lookup table by a key field and adds the table's
/// columns as new fields:
///
/// ```swift
/// Enrich(from: "sensors.csv", on: "sensor_id", fields: [Field("site", .string)],
///        cache: .lru(capacity: 10_000, ttl: .minutes(5)))
/// ```
///
/// The key must be a `string` or `int64` field. A record with a null key or a
/// key not in the table keeps its fields null (`onMiss: .keep`) or goes to the
/// dead letters as `lookup_miss` (`onMiss: .reject`). Without a cache every
/// record reads the table (for a file table: a disk read and a decode); an LRU
/// cache answers repeated keys from memory. The table itself comes from the
/// ``PlanResources`` the plan is compiled with (`sluice run` reads files).
public struct Enrich: PipelineStep {
    public let steps: [Step]

    /// - Parameters:
    ///   - table: the table's name; for file tables a path, relative to the spec file (or the working directory).
    ///   - key: the stream field to look up.
    ///   - tableKey: the table's key column, when its name differs from `key`.
    ///   - fields: the table columns to add, with their types.
    ///   - preload: read the whole table into memory at start instead of one record per lookup.
    public init(from table: String, on key: String, tableKey: String? = nil, fields: [Field],
                onMiss: EnrichSpec.MissPolicy = .keep, cache: CachePolicy = .none, preload: Bool = false) {
        steps = [.enrich(EnrichSpec(table: table, key: key, tableKey: tableKey, fields: fields, onMiss: onMiss, cache: cache, preload: preload))]
    }
}
