import Foundation
import SluiceWorkload
import Testing

/// A Python client (confluent-kafka, installed by scripts/setup.sh into .build/python) produces
/// the input and reads the output of a `sluice run` over Kafka.
@Suite(.serialized) struct KafkaPythonInteropTests {
    static var python: String { CLI.packageRoot.appendingPathComponent(".build/python/bin/python").path }

    @Test func pythonClientProducesAndConsumes() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("no .build/python: run scripts/setup.sh (it installs confluent-kafka in a virtual environment)")
            return
        }
        let dir = try TempDir()
        let broker = try KafkaCLITests.Broker(dir, topics: ["sensors:8", "features:8"])
        #expect(try CLI.run(["gen", "--events", "20000", "--out", dir.url.path, "--formats", "ndjson"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .ndjson, in: dir.url.path, events: 20_000)
        try dir.write("produce.py", """
        import json, sys
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": sys.argv[1], "enable.idempotence": True})
        failed = []
        def report(err, msg):
            if err is not None: failed.append(err)
        with open(sys.argv[2]) as f:
            for line in f:
                p.produce("sensors", key=json.loads(line)["sensor_id"], value=line.rstrip("\\n"), on_delivery=report)
                p.poll(0)
        p.flush(30)
        sys.exit(1 if failed else 0)
        """)
        try dir.write("consume.py", """
        import sys
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "py", "enable.auto.commit": False})
        md = c.list_topics("features", timeout=10)
        parts = [TopicPartition("features", p, 0) for p in md.topics["features"].partitions]
        ends = {tp.partition: c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts}
        c.assign(parts)
        left = {p for p, e in ends.items() if e > 0}
        with open(sys.argv[2], "w") as out:
            while left:
                m = c.poll(5)
                if m is None: sys.exit("timed out")
                if m.error(): continue
                out.write(m.value().decode() + "\\n")
                if m.offset() + 1 >= ends[m.partition()]: left.discard(m.partition())
        """)
        let produce = try KafkaCLITests().sh("\(Self.python) '\(dir.path("produce.py"))' \(broker.bootstrap) '\(input)'")
        #expect(produce.status == 0)
        let run = try CLI.run(["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/sensors?group=py-interop", "--format", "ndjson",
                               "--output", "kafka://\(broker.bootstrap)/features", "--output-format", "csv", "--until-end", "--dead-letter", dir.path("dead-letter.ndjson")])
        #expect(run.status == 0, "\(run.stderr)")
        let consume = try KafkaCLITests().sh("\(Self.python) '\(dir.path("consume.py"))' \(broker.bootstrap) '\(dir.path("out.csv"))'")
        #expect(consume.status == 0)
        let csv = "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n" + (try dir.read("out.csv"))
        let expected = try WorkloadExpectation.load(fromDirectory: dir.url.path, events: 20_000)
        #expect(try WorkloadChecksum(csv: Array(csv.utf8)).problems(comparedTo: expected) == [])
    }
}
