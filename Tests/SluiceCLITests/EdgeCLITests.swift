import Foundation
import SluiceWorkload
import Testing

/// The edge agent end to end: `sluice edge` follows a file, pre-aggregates, spools, forwards to the
/// dev cluster — through an outage of every broker spanning 1 M events and two restarts of the agent
/// (one after SIGTERM, one after `kill -9`).
extension KafkaCLITests {
    func control(_ broker: Broker, _ command: String) {
        (broker.process.standardInput as? Pipe)?.fileHandleForWriting.write(Data((command + "\n").utf8))
    }

    func startEdge(_ config: String, log: String) throws -> Process {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["edge", "--config", config]
        p.standardOutput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log).createdEmpty())
        handle.seekToEndOfFile()
        p.standardError = handle
        try p.run()
        return p
    }

    func stopEdge(_ p: Process) {
        p.terminate()
        p.waitUntilExit()
    }

    @Test func edgeAgentBridgesAnOutageAcrossRestarts() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["features:16"])
        let n = 1_000_000
        #expect(try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let all = try String(contentsOfFile: WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n), encoding: .utf8).split(separator: "\n")
        let input = dir.path("events.csv")
        func append(_ lines: ArraySlice<Substring>) throws {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
            h.seekToEndOfFile()
            h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            try h.close()
        }
        try (all[0] + "\n").write(toFile: input, atomically: false, encoding: .utf8)
        try append(all[1...100_000])
        try dir.write("edge.yaml", """
            pipeline: sensor-features
            input:
              file: \(input)
            state_dir: \(dir.path("state"))
            checkpoint_interval: 500ms
            spool:
              max_size: 64MiB
              policy: block
            output:
              kafka: {brokers: "\(broker.bootstrap)", topic: features}
              batch: 2000
            metrics: {port: 0}
            """)
        let check = try CLI.run(["edge", "--config", dir.path("edge.yaml"), "--check"])
        #expect(check.status == 0, "\(check.stderr)")
        let log = dir.path("edge.log")
        var agent = try startEdge(dir.path("edge.yaml"), log: log)
        sleep(4)  // the first 100 k events' windows go upstream
        for b in 1...3 { control(broker, "down \(b)") }
        // 900 k more events while every broker is away, the agent restarted twice meanwhile.
        try append(all[100_001...400_000])
        sleep(3)
        stopEdge(agent)
        agent = try startEdge(dir.path("edge.yaml"), log: log)
        try append(all[400_001...700_000])
        sleep(3)
        // The second restart after a crash: what followed the last checkpoint is read again, and the
        // windows it closes are spooled again — identical, so no window gets a second value.
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()
        agent = try startEdge(dir.path("edge.yaml"), log: log)
        try append(all[700_001...])
        sleep(4)
        // The metrics during the outage: upstream down, results waiting in the spool.
        let ops = OperationsCLITests()
        let logSoFar = (try? dir.read("edge.log")) ?? ""
        let port = logSoFar.range(of: "status page on http://127.0.0.1:").flatMap { Int(logSoFar[$0.upperBound...].prefix { $0.isNumber }) }
        let scrape = ops.get("http://127.0.0.1:\(try #require(port, "no metrics port in \(logSoFar.suffix(1500))"))/metrics")
        #expect(ops.value(scrape.body, #"sluice_upstream_up{pipeline="sensor-features"}"#) == 0, "\(scrape.body)")
        #expect((ops.value(scrape.body, #"sluice_spool_pending_records{pipeline="sensor-features"}"#) ?? 0) > 0)
        #expect((ops.value(scrape.body, #"sluice_edge_input_bytes{pipeline="sensor-features"}"#) ?? 0) > 0)
        #expect((ops.value(scrape.body, #"sluice_spool_oldest_age_seconds{pipeline="sensor-features"}"#) ?? 0) > 0)
        for b in 1...3 { control(broker, "up \(b)") }

        // Expected: the file run's windows, but for those the agent may still hold open (its watermark
        // has not passed them: the newest few seconds of event time).
        let fileRun = try CLI.run(["run", "sensor-features", "-i", WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n), "-o", dir.path("file.csv"),
                                   "--dead-letter", "none", "--quiet"])
        #expect(fileRun.status == 0)
        let expected = Set(try dir.read("file.csv").split(separator: "\n").dropFirst().map(String.init))
        func start(_ line: String) -> Int64 { Int64(line.split(separator: ",")[1]) ?? 0 }
        let newest = expected.map(start).max() ?? 0
        let mustArrive = expected.filter { start($0) < newest - 30_000 }
        var got: [String] = []
        for _ in 0..<60 {
            sleep(2)
            #expect(try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "features", "-o", dir.path("out.csv")]).status == 0)
            got = try dir.read("out.csv").split(separator: "\n").map(String.init)
            if mustArrive.isSubset(of: Set(got)) { break }
        }
        sleep(1)  // librdkafka's next statistics
        let after = ops.get("http://127.0.0.1:\(port!)/metrics")
        #expect(ops.value(after.body, #"sluice_upstream_up{pipeline="sensor-features"}"#) == 1)
        #expect((ops.value(after.body, #"sluice_upstream_sent_bytes{pipeline="sensor-features"}"#) ?? 0) > 0, "bytes sent, from librdkafka's statistics")
        stopEdge(agent)
        let logText = (try? dir.read("edge.log")) ?? ""
        #expect(agent.terminationStatus == 0, "\(logText.suffix(2000))")
        #expect(logText.contains("resuming from checkpoint"), "restarts resume the window state")
        #expect(logText.contains("is unreachable") && logText.contains("is back"), "\(logText.suffix(2000))")
        let gotSet = Set(got)
        let missing = mustArrive.subtracting(gotSet), wrong = gotSet.subtracting(expected)
        #expect(missing.isEmpty, "\(missing.count) windows missing, e.g. \(missing.sorted().prefix(3))")
        #expect(wrong.isEmpty, "\(wrong.count) windows with a wrong value or never in the file run, e.g. \(wrong.sorted().prefix(3))")
        let keys = Set(got.map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        #expect(keys.count == gotSet.count, "no window with two values")
        // In order per key (a key's results share a partition; identical replays aside).
        var last: [Substring: Int64] = [:]
        var outOfOrder = 0
        var seen = Set<String>()
        for line in got where seen.insert(line).inserted {
            let f = line.split(separator: ",")
            let start = Int64(f[1]) ?? 0
            if let previous = last[f[0]], previous > start { outOfOrder += 1 }
            last[f[0]] = start
        }
        #expect(outOfOrder == 0)
    }
}

extension KafkaCLITests {
    /// `cat events.csv | sluice edge` (and the same with the `sluice-edge` binary): at the end of stdin
    /// every window is closed and delivered, the same windows `sluice run` computes from the file.
    @Test(arguments: [["sluice", "edge"], ["sluice-edge"]])
    func edgeAgentReadsStdinToItsEnd(command: [String]) throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["features:4"])
        let n = 50_000
        #expect(try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let events = WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n)
        try dir.write("edge.yaml", """
            pipeline: sensor-features
            input: {stdin: true, format: csv}
            state_dir: \(dir.path("state"))
            output:
              kafka: {brokers: "\(broker.bootstrap)", topic: features}
            """)
        let edge = try CLI.run(command.dropFirst() + ["--config", dir.path("edge.yaml")], stdin: try Data(contentsOf: URL(fileURLWithPath: events)),
                               program: command[0])
        #expect(edge.status == 0, "\(edge.stderr)")
        #expect(edge.stderr.contains("\(n) records in"), "\(edge.stderr)")
        #expect(try CLI.run(["run", "sensor-features", "-i", events, "-o", dir.path("file.csv"), "--dead-letter", "none", "--quiet"]).status == 0)
        let expected = Set(try dir.read("file.csv").split(separator: "\n").dropFirst().map(String.init))
        var got = Set<String>()
        for _ in 0..<20 where got.count < expected.count {
            #expect(try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", "features", "-o", dir.path("out.csv")]).status == 0)
            got = Set(try dir.read("out.csv").split(separator: "\n").map(String.init))
            if got.count < expected.count { sleep(1) }
        }
        #expect(got == expected, "missing \(expected.subtracting(got).count), extra \(got.subtracting(expected).count)")
    }
}

/// `sluice edge --check`: every problem of a configuration, each with its line in the file.
struct EdgeConfigCLITests {
    @Test func everyProblemPointsAtItsLine() throws {
        let dir = try TempDir()
        try dir.write("bad.yaml", """
            pipeline: sensor-features
            input:
              file: /var/log/sensors.txt
            state_dir: /tmp/edge
            checkpoint_interval: soon
            spool:
              max_size: 64MiB
              policy: drop-newest
              fsync: sometimes
            output:
              http: {url: "collector:8080/ingest", token: a, token_env: B}
              batch: 0
            metrics: {port: 70000}
            """)
        let check = try CLI.run(["edge", "--config", dir.path("bad.yaml"), "--check"])
        #expect(check.status != 0)
        let bad = dir.path("bad.yaml")
        for expected in [
            "\(bad):3: input.file: cannot tell the format of '/var/log/sensors.txt' from its name",
            "\(bad):5: checkpoint_interval: 'soon' is not a duration",
            "\(bad):8: spool.policy: 'drop-newest' is not a policy: block or drop-oldest",
            "\(bad):9: spool.fsync: 'sometimes' is not an fsync policy",
            "\(bad):11: output.http.url: 'collector:8080/ingest' is not an http:// or https:// URL",
            "\(bad):11: output.http: give `token` or `token_env`, not both",
            "\(bad):12: output.batch: must be at least 1",
            "\(bad):13: metrics.port: 70000 is not a port",
        ] {
            #expect(check.stderr.contains(expected), "\(expected) not in: \(check.stderr)")
        }

        try dir.write("types.yaml", """
            pipeline: sensor-features
            input:
              http: {port: eighty}
            state_dir: /tmp/edge
            output: {kafka: {brokers: "b:9092", topic: t}}
            """)
        let types = try CLI.run(["edge", "--config", dir.path("types.yaml"), "--check"])
        #expect(types.status != 0 && types.stderr.contains("types.yaml:3: input.http.port: expected Int"), "\(types.stderr)")

        try dir.write("unknown.yaml", """
            pipeline: sensor-featurez
            input: {stdin: true, format: csv}
            state_dir: /tmp/edge
            output: {kafka: {brokers: "b:9092", topic: t}}
            """)
        let unknown = try CLI.run(["edge", "--config", dir.path("unknown.yaml"), "--check"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no built-in pipeline named 'sensor-featurez'"), "\(unknown.stderr)")

        try dir.write("good.yaml", """
            pipeline: sensor-features
            input: {http: {port: 8088, token_env: INGEST_TOKEN}}
            state_dir: /tmp/edge
            spool: {max_size: 4MiB, policy: drop-oldest}
            output: {http: {url: "https://collector.example/ingest", token_env: COLLECTOR_TOKEN}}
            """)
        let good = try CLI.run(["edge", "--config", dir.path("good.yaml"), "--check"])
        #expect(good.status == 0 && good.stdout.contains("ok — pipeline sensor-features, input http://0.0.0.0:8088/ingest"), "\(good.stdout) \(good.stderr)")

        // The README's example configuration, with its spec next to it.
        let example = try CLI.run(["edge", "--config", CLI.packageRoot.appendingPathComponent("examples/edge/edge.yaml").path, "--check"])
        #expect(example.status == 0 && example.stdout.contains("ok — pipeline sensor-edge"), "\(example.stdout) \(example.stderr)")
        // The agent alone, for small devices: the same verb, its usage line named after it.
        let alone = try CLI.run(["--config", CLI.packageRoot.appendingPathComponent("examples/edge/edge.yaml").path, "--check"], program: "sluice-edge")
        #expect(alone.status == 0 && alone.stdout == example.stdout, "\(alone.stdout) \(alone.stderr)")
        let usage = try CLI.run(["--help"], program: "sluice-edge")
        #expect(usage.stdout.contains("USAGE: sluice-edge --config <config>"), "\(usage.stdout)")
    }
}
