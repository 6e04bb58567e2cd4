import SluiceKafka

/// Forwards to a Kafka topic: an idempotent, zstd-compressing producer whose messages never time out
/// (`message.timeout.ms=0`), so while the brokers are away librdkafka holds and retries them, in order,
/// and ``send(_:)`` waits — the spool, not the producer, is where data accumulates. CSV records are
/// keyed by their first `keyFields` comma-separated values (the window's group-by fields), so a key's
/// results share a partition and arrive in order; a replay sends identical records again (at least
/// once). `keyFields: 0` sends them without a key.
public final class KafkaUpstream: Upstream {
    public let topic: String
    public let bootstrapServers: String
    public var name: String { "kafka://\(bootstrapServers)/\(topic)" }
    private let producer: KafkaProducer
    private let keyFields: Int
    /// Called while a send waits for acknowledgements, about once a second, with the seconds waited.
    public var waiting: ((Double) -> Void)?

    public init(bootstrapServers: String, topic: String, keyFields: Int = 2, settings: [String: String] = [:]) throws {
        self.topic = topic
        self.bootstrapServers = bootstrapServers
        self.keyFields = keyFields
        // Statistics once a second: the bytes sent after compression, for `sluice_upstream_sent_bytes`.
        var all = ["message.timeout.ms": "0", "statistics.interval.ms": "1000"]
        for (k, v) in settings { all[k] = v }
        producer = try KafkaProducer(bootstrapServers: bootstrapServers, settings: all)
    }

    /// Bytes sent to the brokers (compressed, with protocol framing), as of the latest statistics.
    public var bytesSent: Int64 { producer.bytesSent }

    public func send(_ records: [[UInt8]]) throws {
        let failedBefore = producer.failed
        for record in records {
            // The key: the record up to its `keyFields`-th comma.
            var commas = 0, end = record.count
            for (i, b) in record.enumerated() where b == UInt8(ascii: ",") {
                commas += 1
                if commas == keyFields { end = i; break }
            }
            try record.withUnsafeBytes { value in
                try producer.send(topic: topic, key: keyFields > 0 ? UnsafeRawBufferPointer(rebasing: value[0..<end]) : nil, value: value)
            }
        }
        // Until every message is acknowledged or refused: while the brokers are away they stay queued
        // and librdkafka retries them in order.
        var waited = 0.0
        while producer.waitForDeliveries(timeoutMilliseconds: 1000) > 0 {
            waited += 1
            waiting?(waited)
        }
        if producer.failed > failedBefore {
            throw UpstreamError("\(producer.failed - failedBefore) of \(records.count) records were refused by \(name)")
        }
    }
}
