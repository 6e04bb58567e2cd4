import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceKafka

/// `sluice status`: a consumer group of workers on a topic, per partition (owner, committed offset,
/// lag, watermark) and the number of workers it needs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a worker group: per partition its owner, committed offset, lag and watermark, and the recommended number of workers.",
        discussion: """
            Reads the group's offsets from the cluster and the workers' status files from the shared \
            --checkpoint-dir (`sluice run ... mode=subscribe --checkpoint-dir DIR`). The recommendation \
            is the input rate plus the lag worked off within --catch-up seconds, divided by a worker's \
            capacity (its recent rate over the fraction of time its threads were busy), at most one \
            worker per partition.
            """)

    @OptionGroup var kafka: KafkaGroupOptions

    @Option(help: "The workers' shared checkpoint directory.")
    var checkpointDir: String

    @Option(help: "Seconds over which to measure the input rate (growth of the end offsets).")
    var sample: Double = 2

    @Option(help: "Seconds within which the recommended workers should work off the current lag.")
    var catchUp: Double = 60

    @Option(help: "A worker whose status is older than this many seconds is shown as lost (default: three of its save intervals plus 2 s).")
    var staleAfter: Double?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let settings = try KafkaProperties.load(kafka.kafkaConfig)
        let groupName = kafka.groupName, topic = kafka.topic, brokers = kafka.brokers
        let first = try ConsumerLag.measure(bootstrapServers: brokers, topic: topic, group: groupName, settings: settings)
        let started = Date()
        if sample > 0 { usleep(UInt32(sample * 1_000_000)) }
        let lag = try ConsumerLag.measure(bootstrapServers: brokers, topic: topic, group: groupName, settings: settings)
        let seconds = max(0.001, Date().timeIntervalSince(started))
        let arrived = lag.partitions.reduce(Int64(0)) { $0 + $1.high } - first.partitions.reduce(Int64(0)) { $0 + $1.high }
        let inputRate = sample > 0 ? Double(max(0, arrived)) / seconds : 0

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let workers = WorkerStatus.readAll(checkpointDir).filter { $0.input.contains("/\(topic)?") || $0.input.hasSuffix("/\(topic)") }
        // Newest first: should a lost worker's file still claim a partition, the current owner's wins.
        let live = workers.filter { $0.state == "running" && Double(now - $0.updatedMilliseconds) / 1000 <= staleAfter ?? (3 * $0.intervalSeconds + 2) }
            .sorted { $0.updatedMilliseconds > $1.updatedMilliseconds }
        let store: PartitionStateStore
        do { store = try PartitionStateStore(directory: checkpointDir) } catch { throw RuntimeError("\(error)") }
        let advice = ScalingAdvice(inputRate: inputRate, lag: lag.total, capacities: live.compactMap(\.capacity),
                                   partitions: lag.partitions.count, catchUpSeconds: catchUp)

        struct Row: Encodable {
            var partition: Int
            var owner: String?
            var committed: Int64?
            var end: Int64
            var lag: Int64
            var savedPosition: Int64?
            var watermark: Int64?
            var stateBytes: Int?
        }
        var rows: [Row] = []
        for p in lag.partitions {
            let owner = live.first { $0.partitions.contains { $0.partition == p.partition } }
            let reported = owner?.partitions.first { $0.partition == p.partition }
            // Unowned (or not yet saved by its owner): what the latest saved state says.
            let saved = (reported == nil || reported!.watermark == nil) ? (try? store.latest(partition: p.partition))?.state : nil
            rows.append(Row(partition: p.partition, owner: owner?.member, committed: p.committed, end: p.high, lag: p.lag,
                            savedPosition: reported.flatMap { $0.position >= 0 ? $0.position : nil } ?? saved?.position,
                            watermark: reported?.watermark ?? saved.flatMap { $0.watermark == .min ? nil : $0.watermark },
                            stateBytes: reported.map(\.stateBytes) ?? saved?.state.count))
        }

        if json {
            struct Worker: Encodable {
                var member: String
                var partitions: [Int]
                var recentRate: Double
                var recentUtilization: Double
                var updatedSecondsAgo: Double
            }
            struct Report: Encodable {
                var topic: String
                var group: String
                var lag: Int64
                var inputRate: Double
                var capacityPerWorker: Double?
                var recommendedWorkers: Int?
                var workers: [Worker]
                var lostWorkers: [String]
                var partitions: [Row]
            }
            let report = Report(topic: topic, group: groupName, lag: lag.total, inputRate: inputRate, capacityPerWorker: advice.capacityPerWorker,
                                recommendedWorkers: advice.recommendedWorkers,
                                workers: live.map { Worker(member: $0.member, partitions: $0.partitions.map(\.partition), recentRate: $0.recentRate,
                                                           recentUtilization: $0.recentUtilization, updatedSecondsAgo: Double(now - $0.updatedMilliseconds) / 1000) },
                                lostWorkers: workers.filter { w in w.state == "running" && !live.contains { $0.member == w.member } }.map(\.member),
                                partitions: rows)
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("topic \(topic), group \(groupName): lag \(lag.total) records over \(lag.partitions.count) partitions, \(live.count) live worker\(live.count == 1 ? "" : "s")")
        let header = ["partition", "owner", "committed", "end", "lag", "saved at", "watermark (UTC)", "state"]
        var table = [header]
        for r in rows {
            table.append([String(r.partition), r.owner ?? "-", r.committed.map(String.init) ?? "-", String(r.end), String(r.lag),
                          r.savedPosition.map(String.init) ?? "-", r.watermark.map(Self.utc) ?? "-", r.stateBytes.map(formatBytes) ?? "-"])
        }
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        for line in table {
            print(line.enumerated().map { c, v in c == 1 || c == 6 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - v.count) + v }
                .joined(separator: "  "))
        }
        for w in live {
            print("worker \(w.member): \(w.partitions.count) partitions, \(Self.rate(w.recentRate)) records/s recently, threads \(Int((w.recentUtilization * 100).rounded())) % busy, updated \(String(format: "%.1f", Double(now - w.updatedMilliseconds) / 1000)) s ago")
        }
        for w in workers where w.state == "running" && !live.contains(where: { $0.member == w.member }) {
            print("worker \(w.member): no status for \(String(format: "%.0f", Double(now - w.updatedMilliseconds) / 1000)) s (lost?)")
        }
        let capacity = advice.capacityPerWorker.map { "\(Self.rate($0)) records/s per worker at full load" } ?? "unknown (no worker has reported work yet)"
        print("input \(Self.rate(inputRate)) records/s (over \(String(format: "%.1f", seconds)) s); capacity \(capacity)")
        if let n = advice.recommendedWorkers {
            print("recommended workers: \(n) (input rate + lag / \(Int(catchUp)) s, at most one per partition)")
        } else {
            print("recommended workers: unknown until a worker reports its rate")
        }
    }

    static func rate(_ r: Double) -> String { r >= 10_000 ? String(format: "%.0f k", r / 1000) : String(format: "%.0f", r) }

    static func utc(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
