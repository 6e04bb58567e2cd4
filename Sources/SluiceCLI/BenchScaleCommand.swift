import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceKafka
import SluiceWorkload

/// Consumer-group scale-out on this machine: throughput with 1, 2, 3... workers (separate `sluice run`
/// processes), and how long a rebalance takes as the state that moves grows.
struct BenchScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-scale",
        abstract: "Benchmark consumer-group workers: throughput per worker count, and rebalance time against the state moved.",
        discussion: """
            Starts a dev cluster in process and the workers as child processes of this binary \
            (`sluice run sensor-features ... mode=subscribe --checkpoint-dir DIR`). Throughput: the \
            canonical events in a topic of --partitions partitions, the workers started together (they \
            join one generation); from the first assignment to the group's lag reaching 0. Rebalance: \
            one worker holds the open windows of --keys sensors while records keep arriving on every \
            partition; a second worker joins, later leaves; the time from the join (leave) until every \
            partition processes records again, with the state saved and restored. Build with \
            `swift build -c release` first.
            """)

    @Option(name: .shortAndLong, help: "Events for the throughput runs.")
    var events: Int = 2_000_000

    @Option(help: "Partitions of the topics (the dev cluster keeps about 5 MiB per partition).")
    var partitions: Int = 24

    @Option(help: "Worker counts to measure, comma-separated.")
    var workers: String = "1,2,3"

    @Option(help: "Threads per worker.")
    var shards: Int = 1

    @Option(help: "Key counts (open windows held) for the rebalance runs, comma-separated.")
    var keys: String = "1000,100000,1000000"

    @Option(help: "Seconds between the workers' state saves.")
    var checkpointInterval: Double = 0.25

    @Option(help: "Where the generated workload data lives.")
    var dataDir: String = "data/bench"

    func run() throws {
        _ = blockTerminationSignals()
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        let workerCounts = workers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let keyCounts = keys.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let broker = try DevBroker(brokers: 1)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-scale-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "session.timeout.ms=6000\nheartbeat.interval.ms=500\n".write(toFile: scratch + "/client.properties", atomically: true, encoding: .utf8)
        let harness = Harness(bootstrap: broker.bootstrapServers, scratch: scratch, shards: shards, interval: checkpointInterval)

        // Throughput: one topic, a fresh group per worker count.
        let path = WorkloadFiles.csvPath(in: dataDir, events: events)
        if !FileManager.default.fileExists(atPath: path) {
            printError("generating \(events) events into \(dataDir) ...")
            _ = try WorkloadGenerator(events: events).write(to: dataDir, formats: [.csv])
        }
        try broker.createTopic("sensors", partitions: partitions)
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst() {
            try producer.send(topic: "sensors", key: String(line.prefix { $0 != "," }), value: String(line))
        }
        try producer.flush()
        var throughput: [(workers: Int, rate: Double, seconds: Double)] = []
        for count in workerCounts {
            let group = "scale-\(count)"
            try broker.createTopic("features-\(count)", partitions: partitions)
            let procs = try (0..<count).map { try harness.start(group: group, name: "w\($0)", topic: "sensors", output: "features-\(count)") }
            var firstAssigned: Int64?
            var caughtUp: Int64?
            let deadline = Date().addingTimeInterval(300)
            while caughtUp == nil && Date() < deadline {
                usleep(50_000)
                if firstAssigned == nil {
                    firstAssigned = harness.statuses(group).flatMap { $0.rebalances.filter { $0.event == "assigned" }.map(\.atMilliseconds) }.min()
                    continue
                }
                if try ConsumerLag.measure(bootstrapServers: broker.bootstrapServers, topic: "sensors", group: group).total == 0 { caughtUp = Harness.now() }
            }
            harness.stop(procs)
            guard let firstAssigned, let caughtUp else { throw RuntimeError("\(count) workers did not finish within 300 s; logs in \(scratch)") }
            let seconds = Double(caughtUp - firstAssigned) / 1000
            throughput.append((count, Double(events) / seconds, seconds))
            printError("  \(count) worker(s): \(events) events in \(fixed(seconds, 2)) s")
        }

        // Rebalance time against state size.
        var rebalances: [String] = []
        for keyCount in keyCounts {
            let topic = "keys-\(keyCount)"
            try broker.createTopic(topic, partitions: partitions)
            try broker.createTopic("out-\(keyCount)", partitions: partitions)
            // One record per key, all in one 10 s window: every key holds an open window.
            for k in 0..<keyCount {
                try producer.send(topic: topic, key: "k\(k)", value: "k\(k),\(1_700_000_000_000 + Int64(k % 5000)),21.5,40.0,ok")
            }
            try producer.flush()
            let group = "rebalance-\(keyCount)"
            let first = try harness.start(group: group, name: "a", topic: topic, output: "out-\(keyCount)")
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline, try ConsumerLag.measure(bootstrapServers: broker.bootstrapServers, topic: topic, group: group).total > 0 { usleep(100_000) }
            let stateBytes = harness.statuses(group).flatMap(\.partitions).reduce(0) { $0 + $1.stateBytes }
            // Records keep arriving on every partition (same window), so each partition's restart is visible.
            let trickle = Trickle(bootstrap: broker.bootstrapServers, topic: topic, keys: keyCount)
            trickle.start()
            sleep(2)
            let joinStart = Harness.now()
            let second = try harness.start(group: group, name: "b", topic: topic, output: "out-\(keyCount)")
            let joined = harness.waitUntilEveryPartitionResumed(group, after: joinStart, partitions: partitions)
            let joinDetail = harness.detail(group, after: joinStart)
            sleep(2)
            let leaveStart = Harness.now()
            harness.stop([second])
            let left = harness.waitUntilEveryPartitionResumed(group, after: leaveStart, partitions: partitions)
            let leaveDetail = harness.detail(group, after: leaveStart)
            trickle.stop()
            harness.stop([first])
            let fmt = { (ms: Int64?) in ms.map { fixed(Double($0) / 1000, 2) + " s" } ?? "timed out" }
            rebalances.append("  \(keyCount) keys, \(formatBytes(stateBytes)) of state: join \(fmt(joined.map { $0 - joinStart })) (\(joinDetail)); leave \(fmt(left.map { $0 - leaveStart })) (\(leaveDetail))")
        }

        print("sluice bench-scale: dev cluster (1 broker, loopback), \(partitions) partitions, \(shards) thread\(shards == 1 ? "" : "s") per worker, state saved every \(checkpointInterval) s, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("throughput (Kafka -> sensor-features -> Kafka, \(events) events, from the first assignment to lag 0):")
        let base = throughput.first?.rate ?? 1
        for t in throughput {
            print("  \(t.workers) worker\(t.workers == 1 ? " " : "s"): \(formatRate(t.rate)) events/s (\(fixed(t.seconds, 2)) s), \(fixed(t.rate / base, 2))x one worker")
        }
        print("rebalance time (a member joins / leaves until every partition processes records again; state saved by the old owner, restored by the new):")
        for line in rebalances { print(line) }
    }

    /// Spawns and watches the workers.
    struct Harness {
        let bootstrap: String
        let scratch: String
        let shards: Int
        let interval: Double

        static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

        func start(group: String, name: String, topic: String, output: String) throws -> Process {
            let p = Process()
            // This very binary (the workers run the same build as the benchmark).
            p.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            p.arguments = ["run", "sensor-features", "--input", "kafka://\(bootstrap)/\(topic)?group=\(group)&mode=subscribe", "--format", "csv",
                           "--output", "kafka://\(bootstrap)/\(output)", "--dead-letter", "none", "--checkpoint-dir", "\(scratch)/\(group)",
                           "--checkpoint-interval", "\(interval)", "--kafka-config", "\(scratch)/client.properties", "--shards", "\(shards)"]
            p.standardOutput = FileHandle.nullDevice
            let log = "\(scratch)/\(group)-\(name).log"
            FileManager.default.createFile(atPath: log, contents: nil)
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try p.run()
            return p
        }

        func stop(_ processes: [Process]) {
            for p in processes where p.isRunning { p.terminate() }
            for p in processes { p.waitUntilExit() }
        }

        func statuses(_ group: String) -> [WorkerStatus] { WorkerStatus.readAll("\(scratch)/\(group)").filter { $0.state == "running" } }

        /// When every partition had records processed again after `start` (by whichever worker owns it now).
        func waitUntilEveryPartitionResumed(_ group: String, after start: Int64, partitions: Int, timeout: Double = 120) -> Int64? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                usleep(20_000)
                var latest: [Int: Int64] = [:]
                for status in statuses(group) {
                    for (p, at) in status.resumedMilliseconds where at > start {
                        if let p = Int(p) { latest[p] = max(latest[p] ?? 0, at) }
                    }
                }
                if latest.count == partitions { return latest.values.max() }
            }
            return nil
        }

        /// The saves and restores since `start`, summed per kind.
        func detail(_ group: String, after start: Int64) -> String {
            let events = WorkerStatus.readAll("\(scratch)/\(group)").flatMap(\.rebalances).filter { $0.atMilliseconds >= start }
            let revoked = events.filter { $0.event == "revoked" }, assigned = events.filter { $0.event == "assigned" }
            return "saved \(formatBytes(revoked.reduce(0) { $0 + $1.stateBytes })) in \(fixed(revoked.map(\.milliseconds).max() ?? 0, 0)) ms, "
                + "restored \(formatBytes(assigned.reduce(0) { $0 + $1.stateBytes })) in \(fixed(assigned.map(\.milliseconds).max() ?? 0, 0)) ms"
        }
    }

    /// Keeps records arriving on every partition: random keys, one window, about 2000 records/s.
    final class Trickle: @unchecked Sendable {
        // Safe: `running` is guarded by `lock`; the thread owns its producer.
        let bootstrap: String, topic: String, keys: Int
        private let lock = NSLock()
        private var running = true
        private let done = DispatchSemaphore(value: 0)

        init(bootstrap: String, topic: String, keys: Int) {
            self.bootstrap = bootstrap
            self.topic = topic
            self.keys = keys
        }

        func start() {
            Thread { [self] in
                defer { done.signal() }
                guard let producer = try? KafkaProducer(bootstrapServers: bootstrap) else { return }
                var random = SystemRandomNumberGenerator()
                while lock.withLock({ running }) {
                    for _ in 0..<20 {
                        let k = Int.random(in: 0..<keys, using: &random)
                        try? producer.send(topic: topic, key: "k\(k)", value: "k\(k),1700000005000,22.0,41.0,ok")
                    }
                    try? producer.flush(timeoutMilliseconds: 1000)
                    usleep(10_000)
                }
            }.start()
        }

        func stop() {
            lock.withLock { running = false }
            done.wait()
        }
    }
}
