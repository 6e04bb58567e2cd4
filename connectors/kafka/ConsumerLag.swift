import CRdKafka

/// How far a consumer group is behind a topic, per partition: the group's committed offset
/// against the partition's end (high watermark). What an operator (or an autoscaler) watches.
public struct ConsumerLag: Sendable {
    public struct Partition: Sendable, Equatable {
        public var partition: Int
        /// The group's committed offset, or nil if it never committed for this partition.
        public var committed: Int64?
        public var low: Int64
        public var high: Int64
        /// Records not yet consumed by the group (from the low watermark if never committed).
        public var lag: Int64 { high - max(low, committed ?? low) }
    }

    public var topic: String
    public var group: String
    public var partitions: [Partition]
    public var total: Int64 { partitions.reduce(0) { $0 + $1.lag } }

    /// Asks the cluster: the topic's watermarks and the group's committed offsets.
    public static func measure(bootstrapServers: String, topic: String, group: String, settings: [String: String] = [:]) throws -> ConsumerLag {
        var all = ["bootstrap.servers": bootstrapServers, "group.id": group, "enable.auto.commit": "false", "log_level": "3"]
        for (k, v) in settings { all[k] = v }
        let rk = try makeClient(RD_KAFKA_CONSUMER, try makeConfiguration(all))
        defer {
            rd_kafka_consumer_close(rk)
            rd_kafka_destroy(rk)
        }
        let offsets = try TopicOffsets(rk, topic: topic)
        let committed = try committedOffsets(rk, topic: topic, partitions: offsets.partitions)
        let partitions = (0..<offsets.partitions).map { p in
            Partition(partition: p, committed: committed[p], low: offsets.low[p], high: offsets.high[p])
        }
        return ConsumerLag(topic: topic, group: group, partitions: partitions)
    }
}
