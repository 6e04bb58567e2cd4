import CRdKafka
import Sluice
import SluiceFiles

/// Writes output records to a Kafka topic, one message per record, in the same formats as files
/// (CSV without header, or NDJSON). Each message is keyed by the given key fields (for window
/// output: the group key and `window_start`), so a key's results share a partition and a
/// downstream consumer can upsert: a replayed window has the same key and value.
///
/// Delivery is checked: ``close()`` flushes the producer and throws if any message was not
/// delivered, so a failed delivery fails the run instead of vanishing.
public final class KafkaRecordSink: RecordSink {
    public let topic: String
    public let keyFields: [String]
    private let producer: KafkaProducer
    private let splitter: LineSplitter
    private var encoder: (any RecordSink)?
    private let format: RecordFormat
    private var keySlots: [Int] = []
    public var recordsWritten: Int64 { Int64(producer.delivered) }

    /// - Parameter transactionalID: exactly-once output: the producer writes inside transactions
    ///   that ``commitTransaction(offsets:inputTopic:group:last:)`` commits with the input offsets.
    public init(bootstrapServers: String, topic: String, format: RecordFormat, keyFields: [String], settings: [String: String] = [:],
                transactionalID: String? = nil) throws {
        self.topic = topic
        self.keyFields = keyFields
        self.format = format
        var settings = settings
        if let transactionalID { settings["transactional.id"] = transactionalID }
        producer = try KafkaProducer(bootstrapServers: bootstrapServers, settings: settings)
        splitter = LineSplitter(producer: producer, topic: topic)
        if transactionalID != nil { try producer.startTransactions() }
    }

    /// Transactional output: sends what is encoded, then commits the open transaction together with
    /// the consumed `offsets` of `inputTopic` for the consumer group `group`; begins the next unless `last`.
    public func commitTransaction(offsets: [(partition: Int, offset: Int64)], inputTopic: String, group: OpaquePointer, last: Bool) throws {
        try encoder?.flush()
        try producer.commitTransaction(offsets: offsets, topic: inputTopic, group: group, beginNext: !last)
    }

    /// Transactional output: commits the open transaction with `positions` (per partition) as
    /// `source`'s group offsets; begins the next unless `last`.
    public func commitTransaction(positions: [Int64], of source: KafkaBlockSource, last: Bool) throws {
        guard let group = source.groupMetadata() else { throw KafkaError("no consumer group metadata for the transaction") }
        defer { rd_kafka_consumer_group_metadata_destroy(group) }
        try commitTransaction(offsets: positions.enumerated().map { ($0.offset, $0.element) }, inputTopic: source.endpoint.topic, group: group, last: last)
    }

    /// Transactions committed by this sink's producer.
    public var transactionsCommitted: Int { producer.transactionsCommitted }

    public func open(schema: Schema) throws {
        keySlots = keyFields.compactMap { schema.index(of: $0) }
        let encoder = format.makeEncoder(sink: splitter, csvHeader: false, wholeRecords: true, ownsSink: false)
        try encoder.open(schema: schema)
        self.encoder = encoder
    }

    public func write(_ batch: Batch, slots: [Int]) throws {
        // Keys first, in row order: the encoder's lines come out in the same order.
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            var key = ""
            for (i, k) in keySlots.enumerated() {
                if i > 0 { key += "|" }
                key += describeKey(batch.columns[slots[k]], batch, r)
            }
            splitter.keys.append(keySlots.isEmpty ? nil : key)
        }
        try encoder!.write(batch, slots: slots)
    }

    private func describeKey(_ c: Column, _ batch: Batch, _ r: Int) -> String {
        guard c.isValid(r) else { return "" }
        switch c.type {
        case .string: return batch.arena.string(c.strings[r])
        case .int64: return String(c.int64[r])
        case .float64: return String(c.float64[r])
        case .bool: return c.bools[r] != 0 ? "true" : "false"
        }
    }

    /// Sends every encoded record and waits for all deliveries; throws if any failed.
    public func flush() throws {
        try encoder?.flush()
        try producer.flush()
    }

    public func close() throws {
        try encoder?.close()
        try splitter.finish()
        try producer.flush()
    }
}

/// Receives encoded bytes and produces one message per line, keyed by the queued keys in order.
final class LineSplitter: ByteSink {
    let producer: KafkaProducer
    let topic: String
    var keys: [String?] = []
    private var keyHead = 0
    private var partial: [UInt8] = []

    init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var start = 0
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\n") {
            if partial.isEmpty {
                try send(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            } else {
                partial.append(contentsOf: bytes[start..<i])
                try partial.withUnsafeBytes { try send($0) }
                partial.removeAll(keepingCapacity: true)
            }
            start = i + 1
        }
        if start < bytes.count { partial.append(contentsOf: bytes[start...]) }
    }

    private func send(_ line: UnsafeRawBufferPointer) throws {
        guard keyHead < keys.count else { throw KafkaError("internal: more output lines than records") }
        let key = keys[keyHead]
        keyHead += 1
        if keyHead > 65536 {
            keys.removeFirst(keyHead)
            keyHead = 0
        }
        if var key {
            try key.withUTF8 { try producer.send(topic: topic, key: UnsafeRawBufferPointer($0), value: line) }
        } else {
            try producer.send(topic: topic, key: nil, value: line)
        }
    }

    func flush() throws {}

    func finish() throws {
        if !partial.isEmpty {
            try partial.withUnsafeBytes { try send($0) }
            partial.removeAll()
        }
    }
}
