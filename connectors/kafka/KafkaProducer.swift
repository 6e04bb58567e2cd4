import CRdKafka

/// Counts delivery reports. Only touched on the thread that polls the producer (librdkafka runs
/// delivery callbacks from `rd_kafka_poll`/`rd_kafka_flush`, which ``KafkaProducer`` calls).
final class DeliveryReports {
    var delivered = 0
    var failed = 0
    var firstError: String?
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
        rk = try makeClient(RD_KAFKA_PRODUCER, conf)
    }

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
}
