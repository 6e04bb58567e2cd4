import CRdKafka

/// A topic's partitions and, per partition, its low and high watermark offsets (the first offset
/// still held, and the offset the next message will get), as a consumer sees them now.
struct TopicOffsets {
    var low: [Int64]
    var high: [Int64]
    var partitions: Int { high.count }

    /// Asks the cluster (metadata for the partition count, then each partition's watermarks).
    init(_ rk: OpaquePointer, topic: String, timeoutMilliseconds: Int32 = 10_000) throws {
        guard let t = rd_kafka_topic_new(rk, topic, nil) else { throw KafkaError("cannot open topic \(topic)") }
        defer { rd_kafka_topic_destroy(t) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, t, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = metadata, md.pointee.topic_cnt == 1 else {
            throw KafkaError("no metadata for topic \(topic)", err)
        }
        let partitions = Int(md.pointee.topics[0].partition_cnt)
        let topicErr = md.pointee.topics[0].err
        rd_kafka_metadata_destroy(md)
        guard topicErr == RD_KAFKA_RESP_ERR_NO_ERROR, partitions > 0 else { throw KafkaError("topic \(topic)", topicErr) }
        low = []
        high = []
        for p in 0..<partitions {
            var l: Int64 = 0, h: Int64 = 0
            let e = rd_kafka_query_watermark_offsets(rk, topic, Int32(p), &l, &h, timeoutMilliseconds)
            guard e == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("offsets of \(topic)[\(p)]", e) }
            low.append(l)
            high.append(h)
        }
    }
}

/// The consumer group's (of `rk`) committed offset for each partition `0..<partitions` of `topic`;
/// nil where it never committed. Asks the group coordinator.
func committedOffsets(_ rk: OpaquePointer, topic: String, partitions: Int) throws -> [Int64?] {
    let list = rd_kafka_topic_partition_list_new(Int32(partitions))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for p in 0..<partitions { rd_kafka_topic_partition_list_add(list, topic, Int32(p)) }
    let err = rd_kafka_committed(rk, list, 10_000)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("committed offsets of \(topic)", err) }
    return (0..<partitions).map { list.pointee.elems[$0].offset >= 0 ? list.pointee.elems[$0].offset : nil }
}
