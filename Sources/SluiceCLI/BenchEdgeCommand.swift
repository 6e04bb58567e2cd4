import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import NIOCore
import Sluice
import SluiceCommandCore
import SluiceEdgeCommand
import SluiceOps
import SluiceWorkload

/// The edge agent's figures, measured on the real process: `sluice edge` is started as a child
/// (pinned to one core with `taskset`), fed the canonical workload from a followed file, through
/// `POST /ingest`, and on stdin, forwarding to a collector in this process that counts the bytes it
/// receives. Rates are read from the agent's own `/metrics`; memory from `/proc/PID/status`.
struct BenchEdgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-edge",
        abstract: "Benchmark the edge agent: events/s from a file and through HTTP ingest on one core, RSS idle and under load, bytes in vs bytes sent.",
        discussion: "Build with `swift build -c release` first. Needs taskset (util-linux) to pin the agent.")

    @Option(name: .shortAndLong, help: "Events of the canonical workload.")
    var events: Int = 1_000_000

    @Option(help: "The agent's pipeline spec (default: examples/edge/sensor-edge.yaml, minute windows).")
    var spec: String = "examples/edge/sensor-edge.yaml"

    @Option(help: "Decimal places of the agent's output (output.decimals); -1: every digit.")
    var decimals: Int = 3

    @Option(help: "The CPU the agent is pinned to.")
    var cpu: Int = 0

    @Option(help: "Events per POST /ingest request.")
    var bodyEvents: Int = 5000

    @Option(help: "Concurrent HTTP clients.")
    var clients: Int = 4

    @Option(help: "Which runs: file, http, stdin (comma-separated).")
    var modes: String = "file,http,stdin"

    @Option(help: "The binary run as the agent: a sluice binary (default: this one) or sluice-edge.")
    var agentBinary: String?

    @Option(help: "A memory cgroup directory (e.g. /sys/fs/cgroup/memory/edge with memory.limit_in_bytes set) the agent runs in: does it keep its pace within the limit?")
    var cgroup: String?

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        guard FileManager.default.fileExists(atPath: spec) else { throw RuntimeError("no spec at \(spec) (run from the repository, or give --spec)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-edge-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try WorkloadGenerator(events: events, seed: 42).write(to: dir, formats: [.csv, .ndjson])
        let csv = try Data(contentsOf: URL(fileURLWithPath: WorkloadFiles.eventsPath(for: .csv, in: dir, events: events)))
        let ndjson = try Data(contentsOf: URL(fileURLWithPath: WorkloadFiles.eventsPath(for: .ndjson, in: dir, events: events)))
        let bodies = Self.bodies(ndjson, bodyEvents: bodyEvents)
        let collector = try BytesCollector()
        let exe = agentBinary ?? (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let specPath = URL(fileURLWithPath: spec).standardizedFileURL.path
        print("sluice bench-edge: \(events) canonical events (\(mib(csv.count)) CSV, \(mib(ndjson.count)) NDJSON), spec \(spec), output csv with \(decimals < 0 ? "every digit" : "\(decimals) decimals"), agent pinned to CPU \(cpu)")

        for mode in modes.split(separator: ",").map(String.init) {
            let state = dir + "/state-" + mode
            let metricsPort = try freePort()
            let input: String
            var ingestPort = 0
            switch mode {
            case "file":
                let path = dir + "/tail.csv"
                try Data(csv.prefix(through: csv.firstIndex(of: 10)!)).write(to: URL(fileURLWithPath: path))  // the header only, for now
                input = "{file: \(path), format: csv}"
            case "http":
                ingestPort = try freePort()
                input = "{http: {port: \(ingestPort), host: 127.0.0.1, token: bench, max_body: 4MiB}}"
            case "stdin":
                input = "{stdin: true, format: csv}"
            default:
                throw RuntimeError("unknown mode \(mode): file, http or stdin")
            }
            let config = dir + "/edge-\(mode).yaml"
            try """
                spec: \(specPath)
                input: \(input)
                state_dir: \(state)
                spool: {max_size: 64MiB, policy: block}
                output:
                  http: {url: "http://127.0.0.1:\(collector.port)/ingest"}
                  format: csv
                  batch: 1000
                \(decimals >= 0 ? "  decimals: \(decimals)" : "")
                metrics: {port: \(metricsPort), host: 127.0.0.1}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            collector.reset()
            let agent = Process()
            // `sluice-edge` is the verb alone; any other binary is `sluice` and takes the verb's name first.
            let verb = exe.hasSuffix(EdgeCommand.standaloneBinary) ? [] : ["edge"]
            let command = ["/usr/bin/taskset", "-c", "\(cpu)", exe] + verb + ["--config", config, "--log-level", "warning"]
            if let cgroup {
                // Joins the cgroup first, then becomes the agent (same pid).
                agent.executableURL = URL(fileURLWithPath: "/bin/sh")
                agent.arguments = ["-c", "echo $$ > '\(cgroup)/cgroup.procs' && exec \(command.map { "'\($0)'" }.joined(separator: " "))"]
            } else {
                agent.executableURL = URL(fileURLWithPath: command[0])
                agent.arguments = Array(command.dropFirst())
            }
            let stdin = Pipe()
            agent.standardInput = stdin
            let log = dir + "/agent-\(mode).log"
            FileManager.default.createFile(atPath: log, contents: nil)
            agent.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            agent.standardOutput = FileHandle.nullDevice
            try agent.run()
            let metrics = MetricsReader(port: metricsPort)
            guard metrics.waitUntilServing(seconds: 15) else {
                agent.terminate()
                throw RuntimeError("the agent did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            usleep(1_000_000)
            let idle = Self.memory(of: agent.processIdentifier)
            var peak = idle.rss, peakAnon = idle.anon
            let start = monotonicSeconds()
            let rawIn: Int
            switch mode {
            case "file":
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/tail.csv"))
                handle.seekToEndOfFile()
                handle.write(csv.suffix(from: csv.firstIndex(of: 10)! + 1))
                try handle.close()
                rawIn = csv.count
            case "http":
                try Self.post(bodies, clients: clients, port: ingestPort)
                rawIn = ndjson.count
            default:
                Thread {
                    stdin.fileHandleForWriting.write(csv)
                    try? stdin.fileHandleForWriting.close()
                }.start()
                rawIn = csv.count
            }
            // Until every event is in (and, on stdin, the agent ended after delivering everything).
            while true {
                let now = Self.memory(of: agent.processIdentifier)
                peak = max(peak, now.rss)
                peakAnon = max(peakAnon, now.anon)
                if mode == "stdin" {
                    if !agent.isRunning { break }
                } else if let n = metrics.value("sluice_records_in_total"), n >= Double(events) {
                    break
                }
                if monotonicSeconds() - start > 300 { agent.terminate(); throw RuntimeError("\(mode): not done after 300 s; see \(log)") }
                usleep(20_000)
            }
            let seconds = monotonicSeconds() - start
            if mode != "stdin" {
                // Everything closed so far delivered (the last minute's windows stay open while the agent runs).
                let deadline = monotonicSeconds() + 60
                while (metrics.value("sluice_spool_pending_records") ?? 1) > 0 && monotonicSeconds() < deadline { usleep(50_000) }
                peak = max(peak, Self.memory(of: agent.processIdentifier).rss)
                let hwm = Self.memory(of: agent.processIdentifier).hwm
                peak = max(peak, hwm)
                agent.terminate()
            }
            agent.waitUntilExit()
            var limited = ""
            if let cgroup, let limit = try? String(contentsOfFile: cgroup + "/memory.limit_in_bytes", encoding: .utf8),
               let used = try? String(contentsOfFile: cgroup + "/memory.max_usage_in_bytes", encoding: .utf8) {
                limited = "; in a cgroup limited to \(mib(Int(limit.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)), peak charge \(mib(Int(used.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0))"
                try? "0".write(toFile: cgroup + "/memory.max_usage_in_bytes", atomically: false, encoding: .utf8)
            }
            let received = collector.totals
            print("  \(mode.padding(toLength: 5, withPad: " ", startingAt: 0)): \(fixed(Double(events) / seconds / 1e6, 2)) M events/s on one core (\(fixed(seconds, 2)) s)"
                  + ", RSS idle \(mib(idle.rss)) (\(mib(idle.anon)) anonymous), peak \(mib(peak)) (\(mib(peakAnon)) anonymous)"
                  + "; \(received.lines) rows sent in \(received.requests) requests, \(mib(received.bytes)) on the wire for \(mib(rawIn)) in: \(fixed(Double(rawIn) / Double(max(1, received.bytes)), 0))x less"
                  + (mode == "stdin" ? " (every window)" : " (windows still open not counted)") + limited)
        }
    }

    func mib(_ bytes: Int) -> String { "\(fixed(Double(bytes) / 1_048_576, 1)) MiB" }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw RuntimeError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The agent's resident, peak and anonymous memory (zeros once it is gone).
    static func memory(of pid: Int32) -> (rss: Int, hwm: Int, anon: Int) {
        residentMemory(pid: pid).map { ($0.resident, $0.peak, $0.anonymous) } ?? (0, 0, 0)
    }

    /// The NDJSON cut into request bodies of `bodyEvents` lines (before the clock starts).
    static func bodies(_ ndjson: Data, bodyEvents: Int) -> [Data] {
        var bodies: [Data] = []
        ndjson.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var start = 0, lines = 0
            for i in 0..<bytes.count where bytes[i] == 10 {
                lines += 1
                if lines == bodyEvents {
                    bodies.append(Data(bytes[start...i]))
                    start = i + 1
                    lines = 0
                }
            }
            if start < bytes.count { bodies.append(Data(bytes[start...])) }
        }
        return bodies
    }

    /// Posts the bodies from `clients` threads; 503s are retried.
    static func post(_ all: [Data], clients: Int, port: Int) throws {
        let next = NSLock()
        nonisolated(unsafe) var index = 0
        nonisolated(unsafe) var failure: String?
        let group = DispatchGroup()
        let session = URLSession(configuration: .ephemeral)
        for _ in 0..<clients {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let i: Int? = next.withLock { index < all.count ? { index += 1; return index - 1 }() : nil }
                    guard let i else { return }
                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/ingest")!)
                    request.httpMethod = "POST"
                    request.setValue("Bearer bench", forHTTPHeaderField: "Authorization")
                    request.httpBody = all[i]
                    while true {
                        let done = DispatchSemaphore(value: 0)
                        nonisolated(unsafe) var status = 0
                        session.dataTask(with: request) { _, response, _ in
                            status = (response as? HTTPURLResponse)?.statusCode ?? 0
                            done.signal()
                        }.resume()
                        done.wait()
                        if status == 200 { break }
                        if status != 503 { next.withLock { failure = "POST /ingest answered \(status)" }; return }
                        usleep(10_000)
                    }
                }
            }.start()
        }
        group.wait()
        if let failure { throw RuntimeError(failure) }
    }
}

/// Reads one value at a time from an agent's `/metrics`.
struct MetricsReader {
    let port: Int

    func scrape() -> String? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var text: String?
        URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)/metrics")!) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200, let data { text = String(decoding: data, as: UTF8.self) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 5)
        return text
    }

    func waitUntilServing(seconds: Double) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if scrape() != nil { return true }
            usleep(100_000)
        }
        return false
    }

    /// The sum of a metric's samples (over its labels).
    func value(_ name: String) -> Double? {
        guard let text = scrape() else { return nil }
        var sum: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            if let v = line.split(separator: " ").last.flatMap({ Double($0) }) { sum = (sum ?? 0) + v }
        }
        return sum
    }
}

/// A collector for the agent's HTTP output: counts requests, bytes on the wire and rows.
final class BytesCollector: @unchecked Sendable {
    // Safe: the counters are guarded by `lock`; `port` is set once in `init`.
    private let lock = NSLock()
    private var requests = 0, bytes = 0, lines = 0
    private(set) var port = 0

    init() throws {
        let router = Router()
        router.post("ingest") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            let raw = Array(buffer: body)
            let plain = request.headers[.contentEncoding] == "zstd" ? (ZstdCompression.decompress(raw) ?? []) : raw
            let rows = plain.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            lock.withLock { requests += 1; bytes += raw.count; lines += rows }
            return Response(status: .ok)
        }
        port = try HTTPServing.start(router: router, host: "127.0.0.1", port: 0, what: "the bench collector")
    }

    func reset() { lock.withLock { requests = 0; bytes = 0; lines = 0 } }
    var totals: (requests: Int, bytes: Int, lines: Int) { lock.withLock { (requests, bytes, lines) } }
}
