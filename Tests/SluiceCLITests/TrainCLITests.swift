import Foundation
import SluiceML
import Testing

/// `sluice train` and `sluice models` end to end: a drifting stream in a CSV file, a registry on disk.
@Suite(.serialized) struct TrainCLITests {
    @Test func trainsPromotesOnDriftAndManagesVersions() throws {
        let dir = try TempDir()
        var stream = HyperplaneConcepts(seed: 7, schedule: DriftSchedule(initialConcept: 0, changes: [.init(at: 8000, to: 1)]))
        var csv = stream.csv(rows: 14_000)
        csv += "0.5,,0.1,0.2,0.3,1\n"  // a null feature: skipped and counted
        try dir.write("stream.csv", csv)
        let registry = dir.path("models")
        let r = try CLI.run(["train", "--input", dir.path("stream.csv"), "--label", "label", "--registry", registry, "--learning-rate", "0.005",
                             "--on-promote", "echo \"$SLUICE_EVENT v$SLUICE_MODEL_VERSION\" >> '\(dir.path("hook.log"))'"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("sluice train: 14000 records"))
        #expect(r.stderr.contains("promotion at record"))
        #expect(r.stderr.contains("skipped 1 records"))
        let hook = try dir.read("hook.log")
        #expect(hook.hasPrefix("promotion v1"))

        let list = try CLI.run(["models", "list", "--registry", registry])
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("v1") && $0.contains("drift-promotion") })
        #expect(lines.last?.hasPrefix(" * ") == true)  // the final version is current
        #expect(lines.last?.contains("final") == true)

        let promote = try CLI.run(["models", "promote", "v1", "--registry", registry])
        #expect(promote.status == 0)
        #expect(promote.stdout.contains("current model: v1"))
        let show = try CLI.run(["models", "show", "--registry", registry])
        #expect(show.stdout.contains("\"version\" : 1"))
        let missing = try CLI.run(["models", "promote", "99", "--registry", registry])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("model version 99 does not exist"))
    }
}

/// `sluice train` from a Kafka topic, publishing every saved version to a model topic.
@Suite(.serialized) struct TrainKafkaCLITests {
    @Test func trainsFromKafkaAndPublishesVersions() throws {
        let dir = try TempDir()
        let broker = try KafkaCLITests.Broker(dir, topics: ["train:4", "models:1"])
        var stream = HyperplaneConcepts(seed: 7, schedule: DriftSchedule(initialConcept: 0, changes: [.init(at: 8000, to: 1)]))
        try dir.write("stream.csv", stream.csv(rows: 14_000, header: false))
        #expect(try CLI.run(["produce", "--brokers", broker.bootstrap, "--topic", "train", "--no-header", dir.path("stream.csv")]).status == 0)
        let r = try CLI.run(["train", "--input", "kafka://\(broker.bootstrap)/train?group=trainer", "--format", "csv",
                             "--features", "x1,x2,x3,x4,x5", "--label", "label", "--classes", "0,1", "--until-end",
                             "--registry", dir.path("models"), "--learning-rate", "0.005", "--model-topic", "kafka://\(broker.bootstrap)/models"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("sluice train: 14000 records"))
        let versions = try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "models", "-o", dir.path("models.ndjson")])
        #expect(versions.status == 0)
        let docs = try dir.read("models.ndjson").split(separator: "\n")
        #expect(docs.count >= 2, "at least one promotion and the final version")
        #expect(docs.last?.contains("\"reason\":\"final\"") == true)
    }
}
