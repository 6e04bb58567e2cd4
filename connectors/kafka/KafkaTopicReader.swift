import CRdKafka

/// Reads every partition of a topic from the beginning up to the end offsets present when it
/// started (`--until-end`): for `sluice consume`, backfills and tests. No consumer group, no
/// commits: it assigns the partitions itself.
public final class KafkaTopicReader {
    private let rk: OpaquePointer
    public let topic: String
    /// Per partition: the offset to stop at (the high watermark at start).
    public let endOffsets: [Int64]
    public private(set) var read = 0

    public init(bootstrapServers: String, topic: String, settings: [String: String] = [:], timeoutMilliseconds: Int32 = 10_000) throws {
        var all = ["bootstrap.servers": bootstrapServers, "group.id": "sluice-reader", "enable.auto.commit": "false",
                   "queued.min.messages": "100000", "log_level": "3"]
        for (k, v) in settings { all[k] = v }
        rk = try makeClient(RD_KAFKA_CONSUMER, try makeConfiguration(all))
        self.topic = topic
        let offsets: TopicOffsets
        do {
            offsets = try TopicOffsets(rk, topic: topic, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            rd_kafka_destroy(rk)
            throw error
        }
        let partitions = offsets.partitions
        let ends = offsets.high
        endOffsets = ends
        let list = rd_kafka_topic_partition_list_new(Int32(partitions))!
        for p in 0..<partitions where ends[p] > 0 {
            rd_kafka_topic_partition_list_add(list, topic, Int32(p)).pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        let assignErr = rd_kafka_assign(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        guard assignErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(rk)
            throw KafkaError("cannot assign \(topic)", assignErr)
        }
    }

    deinit {
        rd_kafka_consumer_close(rk)
        rd_kafka_destroy(rk)
    }

    public var total: Int64 { endOffsets.reduce(0, +) }

    /// Calls `body` with each message's key and value, partition by partition in offset order
    /// (partitions interleave), until every partition reached its end offset. Throws on a
    /// consumer error or if no message arrives for `idleTimeoutMilliseconds`.
    public func forEach(idleTimeoutMilliseconds: Int = 30_000, _ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer, Int32, Int64) throws -> Void) throws {
        var remaining = endOffsets.enumerated().filter { $0.element > 0 }.count
        var position = endOffsets.map { _ in Int64(0) }
        var idle = 0
        while remaining > 0 {
            guard let m = rd_kafka_consumer_poll(rk, 100) else {
                idle += 100
                if idle >= idleTimeoutMilliseconds {
                    throw KafkaError("no message from \(topic) for \(idleTimeoutMilliseconds) ms; \(remaining) partitions not at their end")
                }
                continue
            }
            defer { rd_kafka_message_destroy(m) }
            idle = 0
            let msg = m.pointee
            if msg.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
            guard msg.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("consuming \(topic)", msg.err) }
            let p = Int(msg.partition)
            guard p < endOffsets.count, msg.offset < endOffsets[p] else { continue }
            let key = msg.key.map { UnsafeRawBufferPointer(start: $0, count: msg.key_len) }
            try body(key, UnsafeRawBufferPointer(start: msg.payload, count: msg.len), msg.partition, msg.offset)
            read += 1
            position[p] = msg.offset + 1
            if position[p] == endOffsets[p] { remaining -= 1 }
        }
    }
}
