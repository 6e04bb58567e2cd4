import Foundation
import SluiceWorkload
import Testing

/// Kafka end to end with the `sluice` binary: `sluice broker` as a separate process, kcat as a
/// second client, `kill -9` in the middle of runs.
@Suite(.serialized) struct KafkaCLITests {
    /// A `sluice broker` child process; stopped with SIGTERM when the test ends.
    final class Broker {
        let process = Process()
        let bootstrap: String
        init(_ dir: TempDir, topics: [String]) throws {
            let file = dir.path("bootstrap.txt")
            process.executableURL = CLI.binary
            process.arguments = ["broker", "--brokers", "3", "--bootstrap-file", file] + topics.flatMap { ["--topic", $0] }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = Pipe()
            try process.run()
            var text = ""
            for _ in 0..<100 {
                text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                if !text.isEmpty { break }
                usleep(50_000)
            }
            bootstrap = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !bootstrap.isEmpty else { throw CocoaError(.fileReadNoSuchFile) }
        }
        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static var kcat: String? {
        ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func sh(_ command: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Generates `n` canonical events (CSV) and produces them into `sensors`, keyed by sensor.
    func produceWorkload(_ n: Int, into broker: Broker, in dir: TempDir) throws {
        #expect(try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let produced = try CLI.run(["produce", "--brokers", broker.bootstrap, "--topic", "sensors", "--key", "sensor_id",
                                    WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n)])
        #expect(produced.status == 0, "\(produced.stderr)")
    }

    /// What is wrong with these window lines (CSV without header) against the workload's expectation.
    func windowProblems(_ lines: some Collection<String>, in dir: TempDir, events n: Int) throws -> [String] {
        let csv = "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n" + lines.joined(separator: "\n") + "\n"
        return try WorkloadChecksum(csv: Array(csv.utf8)).problems(comparedTo: WorkloadExpectation.load(fromDirectory: dir.url.path, events: n))
    }

    /// Starts `sluice ARGS` ten times and `kill -9`s each at a random moment within `at` × the
    /// typical duration of a whole run (if it is still running); returns how many were killed.
    func killRepeatedly(_ args: [String], typicalDuration: TimeInterval, at fraction: ClosedRange<Double>) throws -> Int {
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<10 {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(typicalDuration * Double.random(in: fraction, using: &generator) * 1_000_000))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
        }
        return kills
    }

    /// The issue's acceptance run: 1 M canonical events through `sluice broker` (64 partitions, as the
    /// dev cluster keeps only about 5 MiB per partition), Kafka → sensor-features → Kafka with
    /// checkpoints, exactly the expected windows.
    @Test func aMillionEventsKafkaToKafkaGiveExactlyTheExpectedWindows() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:64", "features:64"])
        let n = 1_000_000
        try produceWorkload(n, into: broker, in: dir)
        let run = try CLI.run(["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/sensors?group=million", "--format", "csv",
                               "--output", "kafka://\(broker.bootstrap)/features", "--until-end", "--dead-letter", "none",
                               "--checkpoint-dir", dir.path("checkpoints"), "--checkpoint-interval", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("\(n) records in"), "\(run.stderr)")
        #expect(try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "features", "-o", dir.path("out.csv")]).status == 0)
        #expect(try windowProblems(dir.read("out.csv").split(separator: "\n").map(String.init), in: dir, events: n) == [])
    }

    /// What the Kafka modes cannot do together is refused at start, saying why (no broker needed).
    @Test func unsupportedCombinationsAreRefusedWithTheReason() throws {
        let dir = try TempDir()
        let subscribe = ["run", "sensor-features", "--input", "kafka://127.0.0.1:1/sensors?group=g&mode=subscribe", "--format", "csv",
                         "--output", "kafka://127.0.0.1:1/out", "--dead-letter", "none"]
        let stateful = try CLI.run(subscribe)
        #expect(stateful.status != 0 && stateful.stderr.contains("keeps per-key state") && stateful.stderr.contains("same --checkpoint-dir"), "\(stateful.stderr)")
        let spec = try CLI.run(["spec", "sensor-features"]).stdout
        try dir.write("clean.yaml", String(spec[..<spec.range(of: "- window")!.lowerBound]).replacingOccurrences(of: "name: sensor-features", with: "name: sensor-clean"))
        let stateless = try CLI.run(["run", "--spec", dir.path("clean.yaml")] + subscribe.dropFirst(2) + ["--checkpoint-dir", dir.path("c")])
        #expect(stateless.status != 0 && stateless.stderr.contains("needs no --checkpoint-dir"), "\(stateless.stderr)")
        let transactional = try CLI.run(["run", "sensor-features", "--input", "kafka://127.0.0.1:1/sensors", "--format", "csv",
                                         "--output", "kafka://127.0.0.1:1/out", "--transactional-id", "t"])
        #expect(transactional.status != 0 && transactional.stderr.contains("--transactional-id needs --checkpoint-dir"), "\(transactional.stderr)")
        let fileOutput = try CLI.run(["run", "sensor-features", "--input", "kafka://127.0.0.1:1/sensors", "--format", "csv",
                                      "--output", dir.path("out.csv"), "--checkpoint-dir", dir.path("c")])
        #expect(fileOutput.status != 0 && fileOutput.stderr.contains("a file output is rewritten by every run"), "\(fileOutput.stderr)")
    }

    /// kcat produces the input and reads the output; sluice runs the pipeline in between.
    @Test func kcatInterop() throws {
        guard let kcat = Self.kcat else {
            Issue.record("kcat is not installed: run scripts/setup.sh (it installs Debian's kcat)")
            return
        }
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:8", "features:8"])
        #expect(try CLI.run(["gen", "--events", "20000", "--out", dir.url.path, "--formats", "ndjson"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .ndjson, in: dir.url.path, events: 20_000)
        #expect(try sh("\(kcat) -P -b \(broker.bootstrap) -t sensors -l '\(input)'").status == 0)
        let run = try CLI.run(["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/sensors?group=interop", "--format", "ndjson",
                               "--output", "kafka://\(broker.bootstrap)/features", "--output-format", "csv", "--until-end", "--dead-letter", dir.path("dead-letter.ndjson")])
        #expect(run.status == 0, "\(run.stderr)")
        let consumed = try sh("\(kcat) -C -b \(broker.bootstrap) -t features -e -q")
        let csv = "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n" + consumed.output
        let expected = try WorkloadExpectation.load(fromDirectory: dir.url.path, events: 20_000)
        #expect(try WorkloadChecksum(csv: Array(csv.utf8)).problems(comparedTo: expected) == [])
        let keys = try sh("\(kcat) -C -b \(broker.bootstrap) -t features -e -q -f '%k\\n' -c 1")
        #expect(keys.output.contains("|"), "window results are keyed by sensor_id|window_start")
    }

    /// At-least-once across crashes: `kill -9` a Kafka run ten times at random moments, restart it each
    /// time; the windows in the output topic are complete and correct (replays are identical).
    @Test func killedRunsLoseNoWindow() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:16", "features:16"])
        let n = 150_000
        try produceWorkload(n, into: broker, in: dir)
        func args(group: String) -> [String] {
            ["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/sensors?group=\(group)", "--format", "csv",
             "--output", "kafka://\(broker.bootstrap)/\(group == "probe" ? "probe-out" : "features")", "--until-end", "--quiet", "--dead-letter", "none"]
        }
        // How long one uninterrupted run takes here (its own group and output), so kills land inside runs.
        let probeStart = Date()
        #expect(try CLI.run(args(group: "probe")).status == 0)
        let duration = Date().timeIntervalSince(probeStart)
        let kills = try killRepeatedly(args(group: "crashy"), typicalDuration: duration, at: 0.1...0.8)
        #expect(kills > 0, "no run was killed: the runs finished too fast for this test")
        let final = try CLI.run(args(group: "crashy"))
        #expect(final.status == 0, "\(final.stderr)")
        let consumed = try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "features", "-o", dir.path("out.csv")])
        #expect(consumed.status == 0)
        // Replayed windows are identical records: the distinct ones are exactly the expected set.
        let lines = Set(try dir.read("out.csv").split(separator: "\n").map(String.init))
        #expect(try windowProblems(lines, in: dir, events: n) == [], "after \(kills) kills")
    }

    /// Checkpoints across crashes: `kill -9` a checkpointing run ten times at random moments; each
    /// restart restores the window state and offsets of the latest checkpoint. The output topic
    /// holds exactly the expected windows, every replayed window is identical (one value per key
    /// and window), and the last run read only what came after its checkpoint.
    @Test func checkpointedRunsResumeAfterKills() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:16", "features:16", "probe-out:16"])
        let n = 150_000
        try produceWorkload(n, into: broker, in: dir)
        func args(group: String) -> [String] {
            ["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/sensors?group=\(group)", "--format", "csv",
             "--output", "kafka://\(broker.bootstrap)/\(group == "probe" ? "probe-out" : "features")", "--until-end", "--dead-letter", "none",
             "--checkpoint-dir", dir.path("checkpoints-\(group)"), "--checkpoint-interval", "0.1"]
        }
        let probeStart = Date()
        let probe = try CLI.run(args(group: "probe"))
        #expect(probe.status == 0, "\(probe.stderr)")
        let duration = Date().timeIntervalSince(probeStart)
        let kills = try killRepeatedly(args(group: "crashy"), typicalDuration: duration, at: 0.15...0.6)
        #expect(kills > 0, "no run was killed: the runs finished too fast for this test")
        let final = try CLI.run(args(group: "crashy"))
        #expect(final.status == 0, "\(final.stderr)")
        #expect(final.stderr.contains("resumed from checkpoint"), "\(final.stderr)")
        // The group committed the final checkpoint's offsets: `sluice lag` shows nothing left, and the checkpoint.
        let lag = try CLI.run(["lag", "--brokers", broker.bootstrap, "--topic", "sensors", "--group", "crashy", "--checkpoint-dir", dir.path("checkpoints-crashy"), "--json"])
        #expect(lag.status == 0, "\(lag.stderr)")
        #expect(lag.stdout.contains("\"lag\":0,") && lag.stdout.contains("\"checkpoint\":{\"id\":"), "\(lag.stdout)")
        let behind = try CLI.run(["lag", "--brokers", broker.bootstrap, "--topic", "sensors", "--group", "never-ran"])
        #expect(behind.stdout.contains("lag \(n) records over 16 partitions"), "\(behind.stdout)")
        let consumed = try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "features", "-o", dir.path("out.csv")])
        #expect(consumed.status == 0)
        let lines = Set(try dir.read("out.csv").split(separator: "\n").map(String.init))
        // Replays are identical: one distinct value per (sensor, window).
        let keys = Set(lines.map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        #expect(keys.count == lines.count, "\(lines.count - keys.count) windows were emitted with two different values")
        #expect(try windowProblems(lines, in: dir, events: n) == [], "after \(kills) kills")
    }

    /// Two workers in one consumer group (`mode=subscribe`) share a topic: the second one joins,
    /// Kafka moves partitions to it, the first drains, flushes and commits before letting them go,
    /// and records produced afterwards are split between them. Every record comes out (no loss),
    /// and at most a few twice (the dev cluster refuses commits while the group rebalances). Eager
    /// (`range`) and cooperative (`cooperative-sticky`) rebalancing.
    @Test(arguments: ["range", "cooperative-sticky"])
    func subscribedWorkersShareATopic(strategy: String) throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:8", "clean:8"])
        let n = 40_000
        #expect(try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n)
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n")
        try dir.write("first.csv", ([lines[0]] + lines[1...(n / 2)]).joined(separator: "\n") + "\n")
        try dir.write("second.csv", ([lines[0]] + lines[(n / 2 + 1)...]).joined(separator: "\n") + "\n")
        // A stateless pipeline: sensor-features without its window.
        let spec = try CLI.run(["spec", "sensor-features"]).stdout
        try dir.write("clean.yaml", String(spec[..<spec.range(of: "- window")!.lowerBound]).replacingOccurrences(of: "name: sensor-features", with: "name: sensor-clean"))
        try dir.write("client.properties", "session.timeout.ms=6000\npartition.assignment.strategy=\(strategy)\n")
        let expectedRun = try CLI.run(["run", "--spec", dir.path("clean.yaml"), "-i", input, "-o", dir.path("expected.csv"), "--dead-letter", "none", "--quiet"])
        #expect(expectedRun.status == 0, "\(expectedRun.stderr)")
        #expect(try CLI.run(["produce", "--brokers", broker.bootstrap, "--topic", "sensors", "--key", "sensor_id", dir.path("first.csv")]).status == 0)

        func worker(_ name: String) throws -> Process {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["run", "--spec", dir.path("clean.yaml"), "--input", "kafka://\(broker.bootstrap)/sensors?group=shared&mode=subscribe&commit_interval=0.5",
                           "--format", "csv", "--output", "kafka://\(broker.bootstrap)/clean", "--dead-letter", "none",
                           "--kafka-config", dir.path("client.properties"), "--shards", "2"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path(name)).createdEmpty())
            try p.run()
            return p
        }
        let first = try worker("first.log")
        sleep(5)  // joins alone (the dev cluster's first join takes ~3 s) and reads the first half
        let second = try worker("second.log")
        sleep(9)  // the group rebalances (about session.timeout.ms) and the partitions are split
        #expect(try CLI.run(["produce", "--brokers", broker.bootstrap, "--topic", "sensors", "--key", "sensor_id", dir.path("second.csv")]).status == 0)
        sleep(4)
        for p in [first, second] { p.terminate() }
        for p in [first, second] { p.waitUntilExit() }
        let logs = (try dir.read("first.log")) + "\n" + (try dir.read("second.log"))
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0, "\(logs)")
        #expect(logs.contains("kafka: assigned") && logs.contains("kafka: revoked"), "one log line per rebalance event: \(logs)")
        func recordsIn(_ log: String) throws -> Int {
            let text = try dir.read(log)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("pipeline ") }) else { return -1 }
            return Int(line.split(separator: " ")[2]) ?? -1
        }
        let firstIn = try recordsIn("first.log"), secondIn = try recordsIn("second.log")
        #expect(secondIn > 0, "the second worker got partitions: \(logs)")
        #expect(firstIn > n / 2, "the first worker read the first half and part of the second: \(logs)")

        #expect(try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "clean", "-o", dir.path("out.csv")]).status == 0)
        let out = try dir.read("out.csv").split(separator: "\n").map(String.init)
        let expected = try dir.read("expected.csv").split(separator: "\n").dropFirst().map(String.init)
        #expect(Set(out) == Set(expected), "every record comes out")
        #expect(out.count - Set(out).count < n / 2, "\(out.count - Set(out).count) duplicates")
    }
}

extension URL {
    /// Creates an empty file here (for a child process's output) and returns the URL.
    func createdEmpty() -> URL {
        FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}
