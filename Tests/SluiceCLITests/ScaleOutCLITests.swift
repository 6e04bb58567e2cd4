import Foundation
import SluiceWorkload
import Testing

/// Scale-out through consumer groups (`mode=subscribe`, shared `--checkpoint-dir`): workers come and
/// go, `kill -9` included, while the input streams in; the windows that come out equal one worker's.
/// In the Kafka suite, so the brokers of different tests never compete for the two cores.
extension KafkaCLITests {
    /// Workers of one group on one topic, each a `sluice run` child process with its own log.
    final class WorkerGroup {
        let dir: TempDir
        let broker: Broker
        let topic: String
        let group: String
        let output: String
        private(set) var workers: [String: Process] = [:]

        init(_ dir: TempDir, _ broker: Broker, topic: String, group: String, output: String) throws {
            self.dir = dir
            self.broker = broker
            self.topic = topic
            self.group = group
            self.output = output
            // Members join and leave quickly on the dev cluster (it makes joiners wait about this long).
            try dir.write("client.properties", "session.timeout.ms=6000\nheartbeat.interval.ms=500\n")
        }

        @discardableResult
        func start(_ name: String) throws -> Process {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["run", "sensor-features", "--input", "kafka://\(broker.bootstrap)/\(topic)?group=\(group)&mode=subscribe", "--format", "csv",
                           "--output", "kafka://\(broker.bootstrap)/\(output)", "--dead-letter", "none", "--checkpoint-dir", dir.path("state-\(group)"),
                           "--checkpoint-interval", "0.5", "--kafka-config", dir.path("client.properties"), "--shards", "1"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("\(group)-\(name).log")).createdEmpty())
            try p.run()
            workers[name] = p
            return p
        }

        func log(_ name: String) -> String { (try? dir.read("\(group)-\(name).log")) ?? "" }
        var logs: String { workers.keys.sorted().map { "--- \($0):\n" + log($0) }.joined(separator: "\n") }

        func kill9(_ name: String) {
            guard let p = workers[name] else { return }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }

        /// SIGTERM to every live worker; true if all exited 0.
        func stopAll() -> Bool {
            let live = workers.values.filter(\.isRunning)
            for p in live { p.terminate() }
            for p in live { p.waitUntilExit() }
            return live.allSatisfy { $0.terminationStatus == 0 }
        }

        /// The group's total lag (committed offsets lag behind state saves by at most one interval).
        func lag() throws -> Int64 {
            let r = try CLI.run(["lag", "--brokers", broker.bootstrap, "--topic", topic, "--group", group, "--json"])
            guard r.status == 0, let range = r.stdout.range(of: "\"lag\":") else { return -1 }
            return Int64(r.stdout[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }

        /// Waits until `condition` holds (checked every 200 ms), at most `seconds`.
        func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                usleep(200_000)
            }
            return try condition()
        }

        /// Every record processed and its state saved: lag 0 a few times in a row.
        func waitUntilCaughtUp(_ seconds: Double = 240) throws -> Bool {
            var zeros = 0
            return try wait(seconds) {
                zeros = try lag() == 0 ? zeros + 1 : 0
                return zeros >= 3
            }
        }

        /// Workers whose status file shows partitions.
        var owners: Int {
            WorkerStatusFiles.owners(in: dir.path("state-\(group)"))
        }

        func windows() throws -> [String] {
            #expect(try CLI.run(["consume", "--brokers", broker.bootstrap, "--topic", output, "-o", dir.path("\(output).csv")]).status == 0)
            return try dir.read("\(output).csv").split(separator: "\n").map(String.init)
        }
    }

    /// The canonical events as CSV chunks (header + lines), to produce while workers run.
    func chunks(_ n: Int, _ count: Int, in dir: TempDir) throws -> [String] {
        #expect(try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let lines = try String(contentsOfFile: WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n), encoding: .utf8).split(separator: "\n")
        let body = lines.dropFirst()
        let size = (body.count + count - 1) / count
        return try (0..<count).map { i in
            let path = dir.path("chunk-\(i).csv")
            let part = body.dropFirst(i * size).prefix(size)
            try ([lines[0]] + part).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    func produce(_ path: String, _ broker: Broker, topic: String) throws {
        let r = try CLI.run(["produce", "--brokers", broker.bootstrap, "--topic", topic, "--key", "sensor_id", path])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// The windows of one worker alone on the whole topic, run to the end (the reference).
    func singleWorkerWindows(_ dir: TempDir, _ broker: Broker) throws -> [String] {
        let reference = try WorkerGroup(dir, broker, topic: "sensors", group: "single", output: "single")
        try reference.start("only")
        #expect(try reference.waitUntilCaughtUp(), "\(reference.logs)")
        #expect(reference.stopAll())
        return try reference.windows()
    }

    /// Checks a group's windows against one worker's: the same set, each window with one value
    /// (replays after a crash are identical), and one worker's are the file run's but for the
    /// windows still open at the end (the last of each sensor).
    func expectSameWindows(_ got: [String], as single: [String], events n: Int, in dir: TempDir) throws {
        let gotSet = Set(got), singleSet = Set(single)
        let keys = Set(got.map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        #expect(keys.count == gotSet.count, "\(gotSet.count - keys.count) windows came out with two different values")
        #expect(gotSet == singleSet, "missing \(singleSet.subtracting(gotSet).count) (e.g. \(singleSet.subtracting(gotSet).sorted().prefix(3))), extra \(gotSet.subtracting(singleSet).count) (e.g. \(gotSet.subtracting(singleSet).sorted().prefix(3)))")
        let fileRun = try CLI.run(["run", "sensor-features", "-i", WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: n), "-o", dir.path("file.csv"),
                                   "--dead-letter", "none", "--quiet"])
        #expect(fileRun.status == 0)
        let expected = Set(try dir.read("file.csv").split(separator: "\n").dropFirst().map(String.init))
        #expect(singleSet.isSubset(of: expected), "\(singleSet.subtracting(expected).sorted().prefix(3))")
        var lastStart: [Substring: Int64] = [:]
        for line in expected {
            let f = line.split(separator: ",")
            lastStart[f[0]] = max(lastStart[f[0]] ?? 0, Int64(f[1]) ?? 0)
        }
        let open = expected.subtracting(singleSet)
        #expect(open.allSatisfy { line in let f = line.split(separator: ","); return Int64(f[1]) == lastStart[f[0]] },
                "only the last window of a sensor may still be open: \(open.filter { let f = $0.split(separator: ","); return Int64(f[1]) != lastStart[f[0]] }.sorted().prefix(3))")
        #expect(open.count <= lastStart.count)
    }

    /// The issue's scale-out test: 3 workers on 12 partitions, 1 M events streaming in; one worker is
    /// `kill -9`ed mid-stream, another joins later; the output equals a single worker's.
    @Test func threeWorkersOnTwelvePartitionsSurviveAKillAndANewcomer() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:12", "features:12", "single:12"])
        let n = 1_000_000
        let parts = try chunks(n, 10, in: dir)
        let group = try WorkerGroup(dir, broker, topic: "sensors", group: "scale", output: "features")
        for name in ["a", "b", "c"] { try group.start(name) }
        #expect(group.wait(60) { group.owners == 3 }, "three workers share the partitions: \(group.logs)")
        for (i, part) in parts.enumerated() {
            try produce(part, broker, topic: "sensors")
            if i == 3 { group.kill9("b") }   // mid-stream, partitions owned and state in flight
            if i == 6 { try group.start("d") }
            usleep(700_000)
        }
        #expect(try group.waitUntilCaughtUp(), "\(group.logs)")
        let status = try CLI.run(["status", "--brokers", broker.bootstrap, "--topic", "sensors", "--group", "scale",
                                  "--checkpoint-dir", dir.path("state-scale"), "--sample", "0.5", "--json"])
        #expect(status.status == 0 && status.stdout.contains("\"recommended_workers\":") && status.stdout.contains("\"lag\":0"), "\(status.stdout) \(status.stderr)")
        #expect(status.stdout.components(separatedBy: "\"owner\":\"").count - 1 == 12, "every partition has a live owner: \(status.stdout)")
        #expect(group.stopAll(), "\(group.logs)")
        let logs = group.logs
        #expect(logs.contains("resume from saved state"), "partitions moved with their state: \(logs)")
        let got = try group.windows()

        try expectSameWindows(got, as: try singleWorkerWindows(dir, broker), events: n, in: dir)
    }

    /// A worker killed (`kill -9`) in the middle of a rebalance, after it gave up its partitions and
    /// before it got new ones: its partitions resume elsewhere from their last saved state, and the
    /// output is still complete and correct.
    @Test func aWorkerKilledMidRebalanceLosesNothing() throws {
        let dir = try TempDir()
        let broker = try Broker(dir, topics: ["sensors:8", "features:8", "single:8"])
        let n = 300_000
        let parts = try chunks(n, 6, in: dir)
        let group = try WorkerGroup(dir, broker, topic: "sensors", group: "crashy", output: "features")
        try group.start("a")
        try group.start("b")
        #expect(group.wait(60) { group.owners == 2 }, "\(group.logs)")
        try produce(parts[0], broker, topic: "sensors")
        try produce(parts[1], broker, topic: "sensors")
        let revokedBefore = group.log("a").components(separatedBy: "partitions: revoked").count
        try group.start("c")
        // A's partitions are revoked when c joins; kill a before it is given new ones.
        #expect(group.wait(30) { group.log("a").components(separatedBy: "partitions: revoked").count > revokedBefore }, "\(group.logs)")
        group.kill9("a")
        for part in parts[2...] { try produce(part, broker, topic: "sensors") }
        #expect(try group.waitUntilCaughtUp(), "\(group.logs)")
        #expect(group.stopAll(), "\(group.logs)")
        let got = try group.windows()

        try expectSameWindows(got, as: try singleWorkerWindows(dir, broker), events: n, in: dir)
    }
}

/// Reads the workers' status files (`DIR/workers/*.json`) the way `sluice status` does, in brief.
enum WorkerStatusFiles {
    /// Workers running with at least one partition.
    static func owners(in checkpointDir: String) -> Int {
        let dir = checkpointDir + "/workers"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { name in
            guard let data = FileManager.default.contents(atPath: dir + "/" + name),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  object["state"] as? String == "running", let partitions = object["partitions"] as? [Any] else { return false }
            return !partitions.isEmpty
        }.count
    }
}
