import SluiceKafka
import Testing

/// `kafka://` URLs as users type them: every parameter, round trips, and a clear error per mistake.
@Suite struct KafkaEndpointTests {
    @Test func parsesEveryParameterAndPrintsItBack() throws {
        let e = try KafkaEndpoint(parsing: "kafka://a:9092,b:9092/sensors?group=g&start=latest&mode=subscribe&commit_interval=0.5")
        #expect(e.bootstrapServers == "a:9092,b:9092")
        #expect(e.topic == "sensors")
        #expect(e.group == "g")
        #expect(e.startAtLatest)
        #expect(e.subscribe)
        #expect(e.commitIntervalSeconds == 0.5)
        #expect(try KafkaEndpoint(parsing: e.description) == e)
        let plain = try KafkaEndpoint(parsing: "kafka://localhost:9092/t")
        #expect(!plain.subscribe && plain.group == nil && !plain.startAtLatest && plain.commitIntervalSeconds == nil)
        #expect(plain.description == "kafka://localhost:9092/t")
    }

    @Test(arguments: [
        ("kafka://h:1/t?mode=broadcast", "mode must be assign or subscribe"),
        ("kafka://h:1/t?commit_interval=0", "commit_interval must be a positive number"),
        ("kafka://h:1/t?start=middle", "start must be earliest or latest"),
        ("kafka://h:1/t?colour=blue", "unknown parameter 'colour'"),
        ("kafka://h:1", "no topic"),
        ("http://h:1/t", "is not a kafka:// URL"),
    ])
    func mistakesAreNamed(url: String, message: String) {
        #expect { _ = try KafkaEndpoint(parsing: url) } throws: { "\($0)".contains(message) }
    }

    @Test func secretsAreRedacted() {
        let text = KafkaSecrets.redacted(["sasl.password": "hunter2", "ssl.key.password": "x", "client.id": "me"])
        #expect(!text.contains("hunter2") && text.contains("client.id=me") && text.contains("sasl.password=***"))
    }
}
