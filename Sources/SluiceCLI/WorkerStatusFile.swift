import Foundation
import Sluice
import SluiceCommandCore
import SluiceKafka
import SluiceOps

/// What one consumer-group worker (`sluice run` with `mode=subscribe` and per-partition state)
/// reports about itself, in `CHECKPOINT_DIR/workers/HOST-PID.json`: the partitions it owns and where
/// each stands, its recent rate and how busy it is. `sluice status` reads every worker's file.
struct WorkerStatus: Codable {
    struct Partition: Codable {
        var partition: Int
        var position: Int64
        /// Event-time watermark, epoch milliseconds (nil: none yet).
        var watermark: Int64?
        var stateBytes: Int
    }

    struct Rebalance: Codable {
        var event: String
        var partitions: [Int]
        var stateBytes: Int
        var milliseconds: Double
        var atMilliseconds: Int64
    }

    var member: String
    var pid: Int32
    var pipeline: String
    var input: String
    /// `running`, or `stopped` after a clean exit.
    var state: String
    var updatedMilliseconds: Int64
    var partitions: [Partition]
    var recordsRead: Int64
    var uptimeSeconds: Double
    /// Between the last two saves: records per second, and the fraction of time the threads worked.
    var recentRate: Double
    var recentUtilization: Double
    /// Records per second at full load, from the latest period with enough work to tell (see `ScalingAdvice`).
    var capacity: Double?
    var shards: Int
    /// Seconds between saves: the worker rewrites this file at least that often while it lives.
    var intervalSeconds: Double
    /// The latest rebalance events (newest last, at most 10).
    var rebalances: [Rebalance]
    /// Per owned partition (by number): when its first records after its latest assignment were
    /// processed, epoch milliseconds. How rebalance time is measured (`sluice bench-scale`).
    var resumedMilliseconds: [String: Int64] = [:]

    static func directory(_ checkpointDir: String) -> String { checkpointDir + "/workers" }

    /// Every worker's status in the directory (unreadable files are skipped).
    static func readAll(_ checkpointDir: String) -> [WorkerStatus] {
        let dir = directory(checkpointDir)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { return nil }
            return try? decoder.decode(WorkerStatus.self, from: data)
        }
    }
}

/// Keeps a worker's status file current from the runtime's partition events (any thread), and logs
/// one line per event.
final class WorkerStatusReporter: @unchecked Sendable {
    // Safe: every mutable field is accessed with `lock` held.
    private let lock = NSLock()
    private var status: WorkerStatus
    private let path: String
    private var lastSave: (records: Int64, uptime: Double, busy: Double)?
    private let log: ((String) -> Void)?

    init(checkpointDir: String, pipeline: String, input: String, shards: Int, intervalSeconds: Double, log: ((String) -> Void)?) throws {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let pid = getpid()
        status = WorkerStatus(member: "\(host)-\(pid)", pid: pid, pipeline: pipeline, input: input, state: "running",
                              updatedMilliseconds: Self.now(), partitions: [], recordsRead: 0, uptimeSeconds: 0, recentRate: 0,
                              recentUtilization: 0, capacity: nil, shards: shards, intervalSeconds: intervalSeconds, rebalances: [])
        try FileManager.default.createDirectory(atPath: WorkerStatus.directory(checkpointDir), withIntermediateDirectories: true)
        path = WorkerStatus.directory(checkpointDir) + "/\(status.member).json"
        self.log = log
        lock.withLock { write() }
    }

    var member: String { lock.withLock { status.member } }

    /// The partitions owned now, for the status page.
    var partitions: [StatusBoard.Partition] {
        lock.withLock { status.partitions.map { .init(partition: $0.partition, position: $0.position, watermark: $0.watermark, owner: nil) } }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func handle(_ event: PartitionStateEvent) {
        lock.withLock {
            switch event {
            case .assigned(let partitions, let restored, let bytes, let seconds, let skipped):
                for p in partitions where !status.partitions.contains(where: { $0.partition == p }) {
                    status.partitions.append(.init(partition: p, position: restored[p] ?? -1, watermark: nil, stateBytes: 0))
                }
                status.partitions.sort { $0.partition < $1.partition }
                record("assigned", partitions, bytes, seconds)
                let fresh = partitions.filter { restored[$0] == nil }
                var parts: [String] = []
                if !restored.isEmpty { parts.append("\(restored.count) resume from saved state (\(formatBytes(bytes)) restored in \(Self.ms(seconds)) ms)") }
                if !fresh.isEmpty { parts.append("\(fresh.count) have no saved state and start at the topic's start offset") }
                log?("partitions: assigned \(partitions.sorted()): " + parts.joined(separator: ", "))
                for problem in skipped { log?("warning: passed over saved partition state: \(problem)") }
            case .processing(let partition, let seconds):
                status.resumedMilliseconds[String(partition)] = Self.now()
                log?("partition \(partition): processing, \(Self.ms(seconds)) ms after its assignment")
            case .revoked(let partitions, let bytes, let fileBytes, let seconds):
                status.partitions.removeAll { partitions.contains($0.partition) }
                for p in partitions { status.resumedMilliseconds[String(p)] = nil }
                record("revoked", partitions, bytes, seconds)
                log?("partitions: revoked \(partitions.sorted()): drained, flushed and saved \(formatBytes(bytes)) of state (\(formatBytes(fileBytes)) on disk) in \(Self.ms(seconds)) ms")
            case .saved(let report):
                status.partitions = report.partitions.map {
                    .init(partition: $0.partition, position: $0.position, watermark: $0.watermark == .min ? nil : $0.watermark, stateBytes: $0.stateBytes)
                }
                if let last = lastSave, report.uptimeSeconds > last.uptime {
                    let seconds = report.uptimeSeconds - last.uptime
                    status.recentRate = Double(report.recordsRead - last.records) / seconds
                    status.recentUtilization = min(1, (report.busySeconds - last.busy) / (seconds * Double(max(1, report.shards))))
                    if let capacity = ScalingAdvice.capacity(rate: status.recentRate, utilization: status.recentUtilization) { status.capacity = capacity }
                }
                lastSave = (report.recordsRead, report.uptimeSeconds, report.busySeconds)
                status.recordsRead = report.recordsRead
                status.uptimeSeconds = report.uptimeSeconds
                if report.final { status.state = "stopped" }
                // Idle saves (nothing changed) keep the file fresh without a log line.
                if report.written == 0 && !report.final { break }
                log?("partition state saved\(report.final ? " (final)" : ""): \(report.written) of \(report.partitions.count) partitions changed, \(formatBytes(report.stateBytes)) of state (\(formatBytes(report.fileBytes)) written) in \(Self.ms(report.seconds)) ms")
            }
            write()
        }
    }

    /// After the run: marks the worker stopped.
    func stopped() {
        lock.withLock {
            status.state = "stopped"
            status.partitions = []
            write()
        }
    }

    private func record(_ event: String, _ partitions: [Int], _ bytes: Int, _ seconds: Double) {
        status.rebalances.append(.init(event: event, partitions: partitions.sorted(), stateBytes: bytes, milliseconds: seconds * 1000, atMilliseconds: Self.now()))
        if status.rebalances.count > 10 { status.rebalances.removeFirst(status.rebalances.count - 10) }
    }

    private func write() {
        status.updatedMilliseconds = Self.now()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(status) else { return }
        // Atomic (temporary file and rename): `sluice status` never reads half a file.
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1000) }
}
