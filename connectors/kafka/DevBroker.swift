import CRdKafka

/// librdkafka's built-in Kafka-protocol cluster on loopback: for development, demos and tests,
/// not production (it keeps about 5 MiB or 100 k batches per partition and does not enforce
/// transactions). Topics must be created here: the cluster does not implement CreateTopics.
///
/// Block SIGINT/SIGTERM in every thread *before* creating one (a signal delivered to the
/// cluster's thread makes its poll fail and the thread exit).
public final class DevBroker {
    private let client: OpaquePointer
    private let cluster: OpaquePointer
    public let brokers: Int
    /// The bootstrap list (`127.0.0.1:PORT,...`; ports are chosen by the cluster).
    public let bootstrapServers: String

    public init(brokers: Int = 1) throws {
        guard (1...16).contains(brokers) else { throw KafkaError("a dev broker needs 1...16 brokers, got \(brokers)") }
        let conf = try makeConfiguration(["log_level": "3"])
        client = try makeClient(RD_KAFKA_PRODUCER, conf)
        guard let mc = rd_kafka_mock_cluster_new(client, Int32(brokers)) else {
            rd_kafka_destroy(client)
            throw KafkaError("cannot start the built-in Kafka cluster")
        }
        cluster = mc
        self.brokers = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(client)
    }

    /// Creates a topic with `partitions` partitions (replication factor: min(3, brokers)).
    public func createTopic(_ name: String, partitions: Int) throws {
        guard partitions > 0 else { throw KafkaError("topic \(name): partitions must be positive") }
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(3, brokers)))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("cannot create topic \(name)", err) }
    }

    /// Takes broker `id` (1-based) down or brings it back up.
    public func setBroker(_ id: Int, up: Bool) throws {
        guard (1...brokers).contains(id) else { throw KafkaError("no broker \(id) (brokers are 1...\(brokers))") }
        let err = up ? rd_kafka_mock_broker_set_up(cluster, Int32(id)) : rd_kafka_mock_broker_set_down(cluster, Int32(id))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("broker \(id) \(up ? "up" : "down")", err) }
    }

    /// Adds `milliseconds` of round-trip delay to broker `id`'s responses.
    public func setRoundTrip(_ id: Int, milliseconds: Int) throws {
        guard (1...brokers).contains(id) else { throw KafkaError("no broker \(id) (brokers are 1...\(brokers))") }
        let err = rd_kafka_mock_broker_set_rtt(cluster, Int32(id), Int32(milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("broker \(id) rtt", err) }
    }

    /// Makes the next `count` requests of Kafka API `apiKey` (e.g. 0 = Produce, 1 = Fetch) fail with `error`.
    public func injectErrors(apiKey: Int, error: Int, count: Int) {
        var errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: Int32(error)), count: count)
        rd_kafka_mock_push_request_errors_array(cluster, Int16(apiKey), errors.count, &errors)
    }

    /// Applies one control command: `down N`, `up N`, `rtt N MS`, `errors API ERR COUNT`, `topic NAME:PARTITIONS`.
    /// Returns a one-line answer.
    public func control(_ line: String) throws -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return "" }
        func int(_ i: Int) throws -> Int {
            guard i < words.count, let n = Int(words[i]) else { throw KafkaError("'\(line)': expected a number at word \(i + 1)") }
            return n
        }
        switch verb {
        case "down": try setBroker(try int(1), up: false); return "broker \(try int(1)) down"
        case "up": try setBroker(try int(1), up: true); return "broker \(try int(1)) up"
        case "rtt": try setRoundTrip(try int(1), milliseconds: try int(2)); return "broker \(try int(1)) rtt \(try int(2)) ms"
        case "errors": injectErrors(apiKey: try int(1), error: try int(2), count: try int(3)); return "next \(try int(3)) requests of API \(try int(1)) fail with error \(try int(2))"
        case "topic":
            guard words.count == 2 else { throw KafkaError("usage: topic NAME:PARTITIONS") }
            let (name, partitions) = try Self.parseTopic(words[1])
            try createTopic(name, partitions: partitions)
            return "topic \(name) with \(partitions) partitions"
        default:
            throw KafkaError("unknown command '\(verb)': use down N, up N, rtt N MS, errors API ERR COUNT, topic NAME:PARTITIONS")
        }
    }

    /// `name:partitions` (partitions default 4, as the cluster's auto-created topics).
    public static func parseTopic(_ text: String) throws -> (String, Int) {
        let parts = text.split(separator: ":")
        guard let name = parts.first, !name.isEmpty, parts.count <= 2 else { throw KafkaError("'\(text)' is not NAME or NAME:PARTITIONS") }
        guard parts.count == 2 else { return (String(name), 4) }
        guard let n = Int(parts[1]), n > 0 else { throw KafkaError("'\(text)': partitions must be a positive number") }
        return (String(name), n)
    }
}
