/// Whether and how a step caches what it looks up.
///
/// In specs: `cache: none`, or `cache: {capacity: 10000, ttl: 5m}` (`ttl`
/// optional). Omitting `cache` means `none`.
public enum CachePolicy: Sendable, Hashable, CustomStringConvertible {
    /// Every lookup goes to the table.
    case none
    /// A least-recently-used cache of at most `capacity` entries; an entry older
    /// than `ttl` (since it was loaded) is reloaded from the table.
    case lru(capacity: Int, ttl: TimeSpan? = nil)

    public var description: String {
        switch self {
        case .none: return "none"
        case .lru(let capacity, let ttl): return "LRU \(capacity) entries" + (ttl.map { ", ttl \($0)" } ?? ", no ttl")
        }
    }
}

extension CachePolicy: Codable {
    private enum Keys: String, CodingKey { case capacity, ttl }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.singleValueContainer(), let word = try? c.decode(String.self) {
            guard word == "none" else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "a cache is 'none' or {capacity: N, ttl: DURATION}; found '\(word)'")
            }
            self = .none
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        self = .lru(capacity: try c.decode(Int.self, forKey: .capacity), ttl: try c.decodeIfPresent(TimeSpan.self, forKey: .ttl))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .none:
            var c = encoder.singleValueContainer()
            try c.encode("none")
        case .lru(let capacity, let ttl):
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(capacity, forKey: .capacity)
            try c.encodeIfPresent(ttl, forKey: .ttl)
        }
    }
}
