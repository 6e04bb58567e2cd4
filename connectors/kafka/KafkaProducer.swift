import CRdKafka
import Synchronization

/// Counts delivery reports. Only touched on the thread that polls the producer (librdkafka runs
/// delivery and statistics callbacks from `rd_kafka_poll`/`rd_kafka_flush`, which ``KafkaProducer``
/// calls) — but for `bytesSent`, which other threads read.
final class DeliveryReports {
    var delivered = 0
    var failed = 0
    var firstError: String?
    /// librdkafka's `tx_bytes`: bytes sent to the brokers (after compression, with protocol framing).
    let bytesSent = Atomic<Int64>(0)
}

/// An idempotent, zstd-compressing Kafka producer that checks every delivery report: a message
/// that could not be delivered is counted and fails ``flush()``; it never vanishes.
public final class KafkaProducer {
    private let rk: OpaquePointer
    private var topics: [String: OpaquePointer] = [:]
    private let reports = DeliveryReports()
    private var sinceLastPoll = 0
    public private(set) var sent = 0

    /// Defaults: `enable.idempotence=true`, `compression.type=zstd`, `linger.ms=5`; `settings` override them.
    public init(bootstrapServers: String, settings: [String: String] = [:]) throws {
        var all = ["bootstrap.servers": bootstrapServers, "enable.idempotence": "true", "compression.type": "zstd", "linger.ms": "5",
                   "queue.buffering.max.messages": "1000000", "batch.num.messages": "10000", "log_level": "3"]
        for (k, v) in settings { all[k] = v }
        let conf = try makeConfiguration(all)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(reports).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let reports = Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue()
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                reports.delivered += 1
            } else {
                reports.failed += 1
                if reports.firstError == nil { reports.firstError = String(cString: rd_kafka_err2str(message.pointee.err)) }
            }
        }
        // With `statistics.interval.ms` set: the bytes sent so far, from the statistics' top-level
        // `tx_bytes` (it comes before the per-broker objects, whose counter is named `txbytes`).
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let json, let opaque else { return 0 }
            let reports = Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue()
            let text = UnsafeRawBufferPointer(start: json, count: length)
            let key = Array("\"tx_bytes\":".utf8)
            if let at = (0...max(0, text.count - key.count)).first(where: { i in key.indices.allSatisfy { text[i + $0] == key[$0] } }) {
                var value: Int64 = 0, i = at + key.count
                while i < text.count, text[i] >= 48, text[i] <= 57 { value = value * 10 + Int64(text[i] - 48); i += 1 }
                reports.bytesSent.store(value, ordering: .relaxed)
            }
            return 0  // librdkafka frees the JSON
        }
        rk = try makeClient(RD_KAFKA_PRODUCER, conf)
    }

    /// Bytes sent to the brokers, as of librdkafka's latest statistics (0 unless
    /// `statistics.interval.ms` is set). Safe to read from any thread.
    public var bytesSent: Int64 { reports.bytesSent.load(ordering: .relaxed) }

    deinit {
        for t in topics.values { rd_kafka_topic_destroy(t) }
        rd_kafka_destroy(rk)
    }

    private func topic(_ name: String) throws -> OpaquePointer {
        if let t = topics[name] { return t }
        guard let t = rd_kafka_topic_new(rk, name, nil) else { throw KafkaError("cannot open topic \(name)") }
        topics[name] = t
        return t
    }

    /// Queues one message (copied); waits for room when the local queue is full.
    public func send(topic name: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) throws {
        let t = try topic(name)
        while true {
            let rc = rd_kafka_produce(t, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                                      key?.baseAddress, key?.count ?? 0, nil)
            if rc == 0 { break }
            let err = rd_kafka_last_error()
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError("cannot produce to \(name)", err) }
            rd_kafka_poll(rk, 50)
        }
        sent += 1
        sinceLastPoll += 1
        if sinceLastPoll >= 1000 {
            sinceLastPoll = 0
            rd_kafka_poll(rk, 0)
        }
    }

    public func send(topic: String, key: String?, value: String) throws {
        var v = value
        try v.withUTF8 { value in
            if var k = key {
                try k.withUTF8 { try send(topic: topic, key: UnsafeRawBufferPointer($0), value: UnsafeRawBufferPointer(value)) }
            } else {
                try send(topic: topic, key: nil, value: UnsafeRawBufferPointer(value))
            }
        }
    }

    public var delivered: Int { reports.delivered }
    public var failed: Int { reports.failed }

    /// Waits up to `timeoutMilliseconds` for queued messages to be delivered (or fail); returns how
    /// many are still outstanding. Unlike ``flush(timeoutMilliseconds:)`` it judges nothing: the caller
    /// compares ``failed`` before and after.
    public func waitForDeliveries(timeoutMilliseconds: Int) -> Int {
        _ = rd_kafka_flush(rk, Int32(timeoutMilliseconds))
        return Int(rd_kafka_outq_len(rk))
    }

    /// Waits until every queued message is delivered or failed; throws if any failed or the
    /// timeout passed with messages still queued.
    public func flush(timeoutMilliseconds: Int = 60_000) throws {
        let err = rd_kafka_flush(rk, Int32(timeoutMilliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError("\(rd_kafka_outq_len(rk)) messages still undelivered after \(timeoutMilliseconds) ms", err)
        }
        if reports.failed > 0 {
            throw KafkaError("\(reports.failed) of \(sent) messages were not delivered (first error: \(reports.firstError ?? "?"))")
        }
    }

    // MARK: Transactions

    /// Throws the message of a librdkafka error object (and frees it).
    private func check(_ error: OpaquePointer?, _ what: String) throws {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        throw KafkaError("\(what): \(String(cString: rd_kafka_error_string(error)))")
    }

    /// With `transactional.id` set: registers the id with the cluster (fencing an older producer
    /// with the same id) and begins the first transaction.
    public func startTransactions(timeoutMilliseconds: Int32 = 30_000) throws {
        try check(rd_kafka_init_transactions(rk, timeoutMilliseconds), "initializing transactions")
        try check(rd_kafka_begin_transaction(rk), "beginning a transaction")
        transactionsCommitted = 0
    }

    /// Transactions committed so far.
    public private(set) var transactionsCommitted = 0

    /// Commits the open transaction with the consumed `offsets` of `topic` for the consumer group
    /// `group` (its metadata), so output and input positions become visible together; then begins
    /// the next transaction unless this was the last. On failure the transaction is aborted.
    public func commitTransaction(offsets: [(partition: Int, offset: Int64)], topic: String, group: OpaquePointer, beginNext: Bool,
                                  timeoutMilliseconds: Int32 = 60_000) throws {
        do {
            let list = rd_kafka_topic_partition_list_new(Int32(max(1, offsets.count)))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (p, offset) in offsets where offset >= 0 { rd_kafka_topic_partition_list_add(list, topic, Int32(p)).pointee.offset = offset }
            if list.pointee.cnt > 0 {
                try check(rd_kafka_send_offsets_to_transaction(rk, list, group, timeoutMilliseconds), "sending offsets to the transaction")
            }
            try check(rd_kafka_commit_transaction(rk, timeoutMilliseconds), "committing the transaction")
        } catch {
            _ = rd_kafka_abort_transaction(rk, timeoutMilliseconds).map { rd_kafka_error_destroy($0) }
            throw error
        }
        transactionsCommitted += 1
        if reports.failed > 0 {
            throw KafkaError("\(reports.failed) of \(sent) messages were not delivered (first error: \(reports.firstError ?? "?"))")
        }
        if beginNext { try check(rd_kafka_begin_transaction(rk), "beginning a transaction") }
    }
}
