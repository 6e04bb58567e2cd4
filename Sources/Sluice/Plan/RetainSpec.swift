/// The `retain` step: pass records through unchanged and also keep the most
/// recent ones in a ``ReplayBuffer`` directory, for later replay (retraining).
///
/// ```yaml
/// - retain: {directory: replay/, max_records: 1000000, memory: 8MiB}
/// ```
///
/// Optional keys: `max_bytes` (a bound on the segment files, e.g. `2GiB`) and
/// `level` (zstd, default 3). A relative directory is relative to the working
/// directory of the process that runs the pipeline.
public struct RetainSpec: Sendable, Hashable {
    public var directory: String
    public var maxRecords: Int
    public var maxBytes: ByteCount?
    public var memory: ByteCount
    public var level: Int

    public init(directory: String, maxRecords: Int = 1_000_000, maxBytes: ByteCount? = nil,
                memory: ByteCount = .mebibytes(8), level: Int = 3) {
        self.directory = directory
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
        self.memory = memory
        self.level = level
    }

    /// The buffer options this step opens its directory with.
    public var options: ReplayOptions {
        ReplayOptions(maxRecords: maxRecords, maxBytes: maxBytes?.bytes, memoryBytes: memory.bytes, compressionLevel: level)
    }
}

extension RetainSpec: Codable {
    private static let keys = ["directory", "max_records", "max_bytes", "memory", "level"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        // Unknown keys are errors: a misspelt bound must not silently become the default.
        for key in c.allKeys where !Self.keys.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [key],
                debugDescription: "unknown retain option '\(key.stringValue)'; expected: \(Self.keys.joined(separator: ", "))"))
        }
        self.init(directory: try c.decode(String.self, forKey: AnyCodingKey("directory")),
                  maxRecords: try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("max_records")) ?? 1_000_000,
                  maxBytes: try c.decodeIfPresent(ByteCount.self, forKey: AnyCodingKey("max_bytes")),
                  memory: try c.decodeIfPresent(ByteCount.self, forKey: AnyCodingKey("memory")) ?? .mebibytes(8),
                  level: try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("level")) ?? 3)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encode(directory, forKey: AnyCodingKey("directory"))
        try c.encode(maxRecords, forKey: AnyCodingKey("max_records"))
        try c.encodeIfPresent(maxBytes, forKey: AnyCodingKey("max_bytes"))
        try c.encode(memory, forKey: AnyCodingKey("memory"))
        if level != 3 { try c.encode(level, forKey: AnyCodingKey("level")) }
    }
}
