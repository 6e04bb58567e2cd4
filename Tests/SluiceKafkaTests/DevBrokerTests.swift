import Foundation
import Testing
@testable import SluiceKafka

/// The built-in cluster, the producer's delivery reports and the end-offset reader, in process.
@Suite(.serialized) struct DevBrokerTests {
    @Test func producedRecordsAreReadBackUpToTheEndOffsets() throws {
        let broker = try DevBroker(brokers: 3)
        try broker.createTopic("t", partitions: 8)
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        for i in 0..<5000 { try producer.send(topic: "t", key: "k\(i % 37)", value: "record-\(i)") }
        try producer.flush()
        #expect(producer.delivered == 5000)
        #expect(producer.failed == 0)

        let reader = try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "t")
        #expect(reader.endOffsets.count == 8)
        #expect(reader.total == 5000)
        var seen = Set<String>()
        var keyOfPartition: [String: Int32] = [:]
        try reader.forEach { key, value, partition, _ in
            seen.insert(String(decoding: value, as: UTF8.self))
            let k = String(decoding: key!, as: UTF8.self)
            if let p = keyOfPartition[k] { #expect(p == partition, "a key's records share a partition") }
            keyOfPartition[k] = partition
        }
        #expect(seen.count == 5000)
    }

    @Test func aBrokerOutageLosesNothing() throws {
        let broker = try DevBroker(brokers: 3)
        try broker.createTopic("t", partitions: 6)
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, settings: ["message.timeout.ms": "30000"])
        for i in 0..<3000 {
            if i == 1000 { _ = try broker.control("down 2") }
            if i == 2000 { _ = try broker.control("up 2") }
            try producer.send(topic: "t", key: nil, value: "r\(i)")
        }
        try producer.flush()
        #expect(producer.delivered == 3000)
        var values = Set<String>()
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "t").forEach { _, v, _, _ in values.insert(String(decoding: v, as: UTF8.self)) }
        #expect(values.count == 3000)
    }

    @Test func controlCommandsAndErrors() throws {
        let broker = try DevBroker(brokers: 2)
        #expect(try broker.control("rtt 1 5") == "broker 1 rtt 5 ms")
        #expect(try broker.control("topic x:3") == "topic x with 3 partitions")
        #expect(throws: KafkaError.self) { try broker.control("down 9") }
        #expect(throws: KafkaError.self) { try broker.control("explode") }
        #expect(throws: KafkaError.self) { try DevBroker.parseTopic("x:zero") }
        #expect(throws: KafkaError.self) { try KafkaProducer(bootstrapServers: broker.bootstrapServers, settings: ["no.such.setting": "1"]) }
    }
}
