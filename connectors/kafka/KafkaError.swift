import CRdKafka

/// A Kafka operation failed; the message names the operation and librdkafka's reason.
public struct KafkaError: Error, CustomStringConvertible {
    public var description: String
    /// librdkafka's error code, when the failure came from librdkafka.
    var code: rd_kafka_resp_err_t?
    public init(_ description: String) { self.description = description }

    init(_ what: String, _ code: rd_kafka_resp_err_t) {
        description = "\(what): \(String(cString: rd_kafka_err2str(code)))"
        self.code = code
    }
}

/// A librdkafka handle. Safe to share: librdkafka documents `rd_kafka_t` as thread-safe.
struct KafkaHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Builds a librdkafka configuration from key/value settings, with a clear error per bad setting.
func makeConfiguration(_ settings: [String: String]) throws -> OpaquePointer {
    let conf = rd_kafka_conf_new()!
    var errstr = [CChar](repeating: 0, count: 512)
    for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
        if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            throw KafkaError("Kafka setting '\(key)': \(String(cString: errstr))")
        }
    }
    return conf
}

/// Creates a client; takes ownership of `conf` only on success (librdkafka's contract).
func makeClient(_ type: rd_kafka_type_t, _ conf: OpaquePointer) throws -> OpaquePointer {
    var errstr = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError("cannot create a Kafka client: \(String(cString: errstr))")
    }
    return rk
}
