/// A Kafka input or output as a URL users can type:
/// `kafka://host:9092[,host2:9092]/topic?group=features&start=earliest`.
public struct KafkaEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var bootstrapServers: String
    public var topic: String
    /// Consumer group whose committed offsets a source resumes from and commits to.
    public var group: String?
    /// Where a source starts when the group has no committed offset: `earliest` (default) or `latest`.
    public var startAtLatest: Bool
    /// `mode=subscribe`: join the consumer group and read the partitions Kafka assigns (several
    /// workers share a topic); default `mode=assign`: read every partition of the topic.
    public var subscribe: Bool
    /// `mode=subscribe`: seconds between commits of processed offsets (`commit_interval=5`).
    public var commitIntervalSeconds: Double?

    public static func isKafka(_ text: String) -> Bool { text.hasPrefix("kafka://") }

    public init(parsing text: String) throws {
        guard Self.isKafka(text) else { throw KafkaError("'\(text)' is not a kafka:// URL") }
        let rest = text.dropFirst("kafka://".count)
        let (location, query) = rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        guard let slash = location.firstIndex(of: "/") else { throw KafkaError("'\(text)': no topic (kafka://HOST:PORT/TOPIC)") }
        bootstrapServers = String(location[..<slash])
        topic = String(location[location.index(after: slash)...])
        guard !bootstrapServers.isEmpty else { throw KafkaError("'\(text)': no bootstrap servers") }
        guard !topic.isEmpty, !topic.contains("/") else { throw KafkaError("'\(text)': bad topic '\(topic)'") }
        group = nil
        startAtLatest = false
        subscribe = false
        commitIntervalSeconds = nil
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw KafkaError("'\(text)': bad query parameter '\(pair)'") }
            switch kv[0] {
            case "group": group = kv[1]
            case "start":
                guard ["earliest", "latest"].contains(kv[1]) else { throw KafkaError("'\(text)': start must be earliest or latest") }
                startAtLatest = kv[1] == "latest"
            case "commit_interval":
                guard let seconds = Double(kv[1]), seconds > 0 else { throw KafkaError("'\(text)': commit_interval must be a positive number of seconds") }
                commitIntervalSeconds = seconds
            case "mode":
                guard ["assign", "subscribe"].contains(kv[1]) else { throw KafkaError("'\(text)': mode must be assign or subscribe") }
                subscribe = kv[1] == "subscribe"
            default: throw KafkaError("'\(text)': unknown parameter '\(kv[0])' (group, start, mode, commit_interval)")
            }
        }
    }

    public var description: String {
        var query: [String] = []
        if let group { query.append("group=\(group)") }
        if startAtLatest { query.append("start=latest") }
        if subscribe { query.append("mode=subscribe") }
        if let commitIntervalSeconds { query.append("commit_interval=\(commitIntervalSeconds)") }
        return "kafka://\(bootstrapServers)/\(topic)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}

/// Settings that must never be printed (TLS keys, SASL credentials).
public enum KafkaSecrets {
    public static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("secret") || k.hasPrefix("sasl.") || k.contains("key.pem") || k.contains("ssl.key")
    }

    /// `key=value, …` with secret values replaced by `***`.
    public static func redacted(_ settings: [String: String]) -> String {
        settings.sorted { $0.key < $1.key }.map { "\($0.key)=\(isSecret($0.key) ? "***" : $0.value)" }.joined(separator: ", ")
    }
}
