import Foundation
import Sluice
import SluiceEdge
import Testing

/// The agent with an HTTP input flooded beyond its spool while the collector is away: under policy
/// `block` clients are told 503 and nothing they were told 200 for is lost; under `drop-oldest`
/// every request is taken and the oldest records are dropped, counted and logged.
@Suite(.serialized) struct EdgeAgentTests {
    let spec = PipelineSpec(name: "flood", schema: Schema([Field("sensor", .string), Field("t", .int64), Field("v", .float64)]), steps: [])

    final class Log: @unchecked Sendable {
        // Safe: guarded by `lock`.
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var text: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    static func stateDir() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("sluice-edge-\(UUID().uuidString)").path }

    func makeAgent(policy: String, collector: Int, log: Log, state: String = EdgeAgentTests.stateDir(), maxSize: String = "512KiB") throws -> EdgeAgent {
        let json = """
            {"spec": "inline", "input": {"http": {"port": 0, "token": "in", "max_body": "256KiB"}}, "state_dir": "\(state)",
             "checkpoint_interval": "200ms", "spool": {"max_size": "\(maxSize)", "segment_size": "32KiB", "policy": "\(policy)", "fsync": "never"},
             "output": {"http": {"url": "http://127.0.0.1:\(collector)/ingest", "token": "t0ken", "timeout": "2s"}, "format": "ndjson", "batch": 500}}
            """
        let config = try JSONDecoder().decode(EdgeConfig.self, from: Data(json.utf8))
        #expect(config.problems.isEmpty, "\(config.problems)")
        return try EdgeAgent(config: config, spec: spec, log: { message, _ in log.add(message) })
    }

    /// 1000 records with values that do not compress away (a multiplicative hash of their position).
    func body(_ request: Int) -> String {
        (0..<1000).map { i in
            let n = request * 1000 + i
            return "{\"sensor\":\"s\(i % 50)\",\"t\":\(n),\"v\":\(Double((UInt64(n) &* 0x9E37_79B9_7F4A_7C15) >> 44) / 997)}"
        }.joined(separator: "\n")
    }

    func start(_ agent: EdgeAgent) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        Thread { _ = try? agent.run(); done.signal() }.start()
        return done
    }

    @Test func underBlockClientsAreToldToWaitAndNothingAcceptedIsLost() throws {
        let collector = try HTTPUpstreamTests.Collector()
        collector.status = 503  // the collector is away
        let log = Log()
        let agent = try makeAgent(policy: "block", collector: collector.port, log: log)
        let done = start(agent)
        let port = agent.ingest!.port
        var accepted = 0, refused = 0
        let client = HTTPIngestServerTests()
        for request in 0..<120 {
            let answer = client.post(port, body(request), token: "in")
            if answer.status == 200 { accepted += 1000 } else {
                #expect(answer.status == 503 && answer.headers["retry-after"] == "1", "\(answer)")
                refused += 1
                usleep(20_000)
            }
            #expect(agent.spool.stats.bytes <= agent.spool.options.maxBytes)
        }
        #expect(refused > 0, "the flood (about 5 MB) is far beyond the spool (512 KiB)")
        #expect(agent.spool.stats.dropped == 0)
        // The collector is back: everything that was answered 200 arrives, in order.
        collector.status = 200
        let deadline = Date().addingTimeInterval(60)
        while collector.lines.count < accepted && Date() < deadline { usleep(100_000) }
        agent.stop.request()
        #expect(done.wait(timeout: .now() + 20) == .success)
        let lines = collector.lines
        #expect(lines.count == accepted, "accepted \(accepted), delivered \(lines.count)")
        let times = lines.compactMap { $0.split(separator: ",").first(where: { $0.hasPrefix("\"t\":") }).flatMap { Int($0.dropFirst(4)) } }
        #expect(times == times.sorted(), "delivered in the order accepted")
        #expect(log.text.contains("is unreachable") && log.text.contains("is back"), "\(log.text)")
    }

    @Test func aStopWhileTheSpoolIsFullLosesNothingAccepted() throws {
        let collector = try HTTPUpstreamTests.Collector()
        collector.status = 503
        let state = EdgeAgentTests.stateDir()
        let client = HTTPIngestServerTests()
        var accepted = 0
        do {
            let agent = try makeAgent(policy: "block", collector: collector.port, log: Log(), state: state)
            let done = start(agent)
            // A 503 can also mean the input queue is full while the pipeline catches up (a slow,
            // loaded machine): that is retried; the flood ends when the spool itself is full.
            var request = 0
            let deadline = Date().addingTimeInterval(30)
            while request < 200 && !agent.spool.isFull && Date() < deadline {
                let answer = client.post(agent.ingest!.port, body(request), token: "in")
                if answer.status == 200 { accepted += 1000; request += 1 } else { usleep(20_000) }
            }
            #expect(agent.spool.isFull, "the spool is full and the pipeline waits for room")
            agent.stop.request()
            #expect(done.wait(timeout: .now() + 20) == .success, "the stop is not held up by the full spool")
            #expect(Int(agent.spool.stats.pendingRecords) == accepted, "everything accepted is in the spool: \(agent.spool.stats), accepted \(accepted)")
        }
        // The next start delivers it all.
        collector.status = 200
        let agent = try makeAgent(policy: "block", collector: collector.port, log: Log(), state: state)
        let done = start(agent)
        let deadline = Date().addingTimeInterval(30)
        while collector.lines.count < accepted && Date() < deadline { usleep(50_000) }
        agent.stop.request()
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(collector.lines.count == accepted)
    }

    @Test func underDropOldestEveryRequestIsTakenAndTheDropsAreCounted() throws {
        let collector = try HTTPUpstreamTests.Collector()
        collector.status = 503
        let log = Log()
        let agent = try makeAgent(policy: "drop-oldest", collector: collector.port, log: log)
        let done = start(agent)
        let port = agent.ingest!.port
        let client = HTTPIngestServerTests()
        for request in 0..<60 {
            let answer = client.post(port, body(request), token: "in")
            #expect(answer.status == 200, "\(answer)")
        }
        let deadline = Date().addingTimeInterval(20)
        while agent.output.records < 60_000 && Date() < deadline { usleep(50_000) }
        let stats = agent.spool.stats
        #expect(stats.dropped > 0 && stats.bytes <= agent.spool.options.maxBytes, "\(stats)")
        #expect(stats.pendingRecords + stats.dropped == 60_000, "every record is pending or counted as dropped: \(stats)")
        #expect(log.text.contains("policy drop-oldest"), "\(log.text)")
        agent.stop.request()
        #expect(done.wait(timeout: .now() + 20) == .success)
    }

    @Test func aCorruptedSpoolSegmentIsQuarantinedAndTheAgentGoesOn() throws {
        let collector = try HTTPUpstreamTests.Collector()
        collector.status = 503
        let state = EdgeAgentTests.stateDir()
        let client = HTTPIngestServerTests()
        do {
            let agent = try makeAgent(policy: "block", collector: collector.port, log: Log(), state: state, maxSize: "4MiB")
            let done = start(agent)
            for request in 0..<20 { #expect(client.post(agent.ingest!.port, body(request), token: "in").status == 200) }
            let deadline = Date().addingTimeInterval(20)
            while agent.output.records < 20_000 && Date() < deadline { usleep(50_000) }
            agent.stop.request()
            #expect(done.wait(timeout: .now() + 20) == .success)
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: state + "/spool").filter { $0.hasSuffix(".spool") }.sorted()
        #expect(segments.count >= 4, "\(segments)")
        let victim = state + "/spool/" + segments[1]
        var bytes = try #require(FileManager.default.contents(atPath: victim))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: victim))

        collector.status = 200
        let log = Log()
        let agent = try makeAgent(policy: "block", collector: collector.port, log: log, state: state, maxSize: "4MiB")
        let done = start(agent)
        var deadline = Date().addingTimeInterval(30)
        while agent.spool.stats.pendingRecords > 0 && Date() < deadline { usleep(50_000) }
        let stats = agent.spool.stats
        #expect(stats.quarantinedSegments == 1 && stats.quarantinedRecords > 0)
        #expect(collector.lines.count + Int(stats.quarantinedRecords) == 20_000, "delivered \(collector.lines.count), quarantined \(stats.quarantinedRecords)")
        #expect(log.text.contains("is corrupt") && log.text.contains("going on"), "\(log.text)")
        #expect(FileManager.default.fileExists(atPath: state + "/spool/quarantine/" + segments[1]))
        // Still alive: new data goes through.
        #expect(client.post(agent.ingest!.port, body(99), token: "in").status == 200)
        deadline = Date().addingTimeInterval(20)
        while collector.lines.count + Int(stats.quarantinedRecords) < 21_000 && Date() < deadline { usleep(50_000) }
        #expect(collector.lines.count + Int(stats.quarantinedRecords) == 21_000)
        agent.stop.request()
        #expect(done.wait(timeout: .now() + 20) == .success)
    }

    @Test func rejectedRecordsAreKeptWithTheirReasonAndCounted() throws {
        let collector = try HTTPUpstreamTests.Collector()
        let state = EdgeAgentTests.stateDir()
        let agent = try makeAgent(policy: "block", collector: collector.port, log: Log(), state: state)
        let done = start(agent)
        let body = "{\"sensor\":\"s1\",\"t\":1,\"v\":0.5}\n{\"sensor\":\"s2\",\"t\":\"soon\",\"v\":1.5}\n{\"sensor\":\"s3\",\"t\":3,\"v\":2.5}"
        #expect(HTTPIngestServerTests().post(agent.ingest!.port, body, token: "in").status == 200)
        let deadline = Date().addingTimeInterval(10)
        while collector.lines.count < 2 && Date() < deadline { usleep(50_000) }
        agent.stop.request()
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(collector.lines.count == 2)
        #expect(agent.runner.deadLetters.total == 1)
        let kept = try String(contentsOfFile: state + "/dead-letter.ndjson", encoding: .utf8)
        #expect(kept.contains("soon") && kept.contains("\"reason\""), "\(kept)")
    }
}
