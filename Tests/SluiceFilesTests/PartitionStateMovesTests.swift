import Foundation
import Sluice
@testable import SluiceFiles
import Testing

/// Per-partition state moving between workers, in process: a partition revoked from one worker and
/// assigned to another continues exactly where it was, so the workers' outputs together equal one
/// worker's that owned every partition throughout. (The Kafka end-to-end version, with processes and
/// `kill -9`, is in SluiceCLITests/ScaleOutCLITests.)
@Suite(.serialized) struct PartitionStateMovesTests {
    /// Partitioned in-memory CSV lines (a key's records in one partition, as a keyed producer puts
    /// them), played like a consumer-group member: assigned `owned` on the first read, revokes
    /// `revoke` after `revokeAfter` blocks, ends when its partitions are exhausted.
    final class GroupMemberSource: PartitionedSource {
        let partitions: [[String]]
        let owned: [Int]
        let revokeAfter: Int?
        let revoke: [Int]
        var drainHandler: (() throws -> Void)?
        var partitionHandler: (any PartitionAssignmentHandler)?
        private var next: [Int64]
        private var current: [Int] = []
        private var started = false
        private var blocks = 0
        private var turn = 0
        private(set) var restored: [Int: Int64] = [:]
        private(set) var committed: [[Int64]] = []
        private let lock = NSLock()
        var name: String { "lines" }
        var bytesRead: Int64 = 0
        var totalBytes: Int64? { nil }

        init(_ partitions: [[String]], owned: [Int], revokeAfter: Int? = nil, revoke: [Int] = []) {
            self.partitions = partitions
            self.owned = owned
            self.revokeAfter = revokeAfter
            self.revoke = revoke
            next = Array(repeating: -1, count: partitions.count)
        }

        func open(schema: Schema) throws {}
        func makeDecoder() -> any RecordDecoder { RecordFormat.csv.makeDecoder(csvHeader: false) }

        func next(into block: Block, maxLines: Int) throws -> Bool {
            if !started {
                started = true
                restored = try partitionHandler!.partitionsAssigned(owned)
                for p in owned { next[p] = restored[p] ?? 0 }
                current = owned
            }
            if let revokeAfter, blocks == revokeAfter {
                try partitionHandler!.partitionsRevoked(revoke, positions: Dictionary(uniqueKeysWithValues: revoke.map { ($0, next[$0]) }))
                current.removeAll { revoke.contains($0) }
                for p in revoke { next[p] = -1 }
            }
            blocks += 1
            block.count = 0
            block.lines = 0
            block.offset = 0
            block.partitionCount = Int32(partitions.count)
            let live = current.filter { next[$0] < Int64(partitions[$0].count) }
            guard !live.isEmpty else { return false }
            let p = live[turn % live.count]
            turn += 1
            block.partition = Int32(p)
            block.firstLine = next[p]
            // Small, uneven blocks: micro-batch boundaries differ from the reference run's.
            let limit = min(maxLines, 5 + (blocks * 37) % 90)
            while next[p] < Int64(partitions[p].count) && block.lines < limit {
                let bytes = Array((partitions[p][Int(next[p])] + "\n").utf8)
                (block.bytes + block.count).update(from: bytes, count: bytes.count)
                block.count += bytes.count
                block.lines += 1
                next[p] += 1
                bytesRead += Int64(bytes.count)
            }
            return true
        }

        var checkpointPositions: [Int64] { next }
        func resume(from positions: [Int64]) throws {}
        func checkpointCompleted(_ positions: [Int64]) throws { lock.withLock { committed.append(positions) } }
        var endedByStop: Bool { true }
    }

    let resume = CheckpointResumeTests()

    /// The lines split by key into `count` partitions, in order.
    func partitioned(_ lines: [String], _ count: Int) -> [[String]] {
        var parts = Array(repeating: [String](), count: count)
        for line in lines {
            let key = line.split(separator: ",").first.map(String.init) ?? ""
            parts[Int(key.utf8.reduce(UInt32(7)) { $0 &* 31 &+ UInt32($1) } % UInt32(count))].append(line)
        }
        return parts
    }

    func run(_ spec: PipelineSpec, _ source: GroupMemberSource, store: PartitionStateStore, shards: Int, interval: Double) throws -> (rows: [String], runner: ParallelRunner) {
        let sink = RowSink()
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: 2, keyGroups: 16), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: 128)
        runner.partitionState = PartitionStateOptions(store: store, intervalSeconds: interval)
        _ = try runner.run()
        return (sink.rows.map { row in sink.schema.names.map { "\(row[$0]!)" }.joined(separator: ",") }, runner)
    }

    func tempStore() throws -> PartitionStateStore {
        try PartitionStateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-parts-\(UUID().uuidString)").path)
    }

    @Test(arguments: CheckpointResumeTests.specs, [1, 2])
    func statesMovedBetweenWorkersGiveTheOneWorkerResult(specName: String, shards: Int) throws {
        let lines = resume.makeLines(6_000, seed: UInt64(shards * 13 + specName.count))
        let spec = resume.spec(specName)
        let parts = partitioned(lines.filter { $0 != "garbage line" }, 6)
        let all = Array(0..<6)
        let (whole, _) = try run(spec, GroupMemberSource(parts, owned: all), store: try tempStore(), shards: shards, interval: .infinity)
        #expect(whole.count > 100)

        let store = try tempStore()
        // A owns everything, gives up 0, 1, 2 after 9 blocks; B takes those, gives up 0 after 4; C takes 0.
        let a = GroupMemberSource(parts, owned: all, revokeAfter: 9, revoke: [0, 1, 2])
        let (fromA, _) = try run(spec, a, store: store, shards: shards, interval: 1e-6)
        let b = GroupMemberSource(parts, owned: [0, 1, 2], revokeAfter: 4, revoke: [0])
        let (fromB, _) = try run(spec, b, store: store, shards: shards, interval: 1e-6)
        let c = GroupMemberSource(parts, owned: [0])
        let (fromC, runnerC) = try run(spec, c, store: store, shards: shards, interval: .infinity)
        #expect(Set(b.restored.keys) == [0, 1, 2], "B resumed the three partitions from A's saved state")
        #expect(c.restored.keys.sorted() == [0])
        #expect(runnerC.partitionSaves.last?.final == true)
        let got = specName == "sliding-late" ? resume.finalValues(fromA + fromB + fromC) : (fromA + fromB + fromC).sorted()
        let want = specName == "sliding-late" ? resume.finalValues(whole) : whole.sorted()
        #expect(got == want, "\(specName), \(shards) shards: extra \(Set(got).subtracting(want).sorted().prefix(5)), missing \(Set(want).subtracting(got).sorted().prefix(5))")
        // Saved positions are where each partition's reading ended.
        for p in all {
            #expect(try store.latest(partition: p).state?.position == Int64(parts[p].count), "partition \(p)")
        }
    }

    /// A worker restarted with the same partitions resumes from their saved state; a partition whose
    /// position did not move since its last save is not written again.
    @Test func idlePartitionsAreNotRewrittenAndRestartsResume() throws {
        let lines = resume.makeLines(2_000, seed: 5)
        let spec = resume.spec("tumbling")
        var parts = partitioned(lines.filter { $0 != "garbage line" }, 4)
        parts[3] = []
        let store = try tempStore()
        let (_, first) = try run(spec, GroupMemberSource(parts, owned: [0, 1, 2, 3]), store: store, shards: 2, interval: 1e-6)
        #expect(first.partitionSaves.count > 2)
        #expect(try store.positions(partition: 3) == [0], "partition 3 delivered nothing: saved once, at its start")
        #expect(first.partitionSaves.last!.written == 0, "the final save found every partition saved at its position already")
        let again = GroupMemberSource(parts, owned: [0, 1, 2, 3])
        let (rows, _) = try run(spec, again, store: store, shards: 2, interval: 1e-6)
        #expect(again.restored == [0: Int64(parts[0].count), 1: Int64(parts[1].count), 2: Int64(parts[2].count), 3: 0])
        #expect(rows.isEmpty, "nothing new to read, open windows stay open")
    }

    /// A pipeline from another spec refuses the saved state, naming both.
    @Test func stateOfAnotherPipelineIsRefused() throws {
        let lines = resume.makeLines(1_000, seed: 9)
        let parts = partitioned(lines.filter { $0 != "garbage line" }, 2)
        let store = try tempStore()
        _ = try run(resume.spec("tumbling"), GroupMemberSource(parts, owned: [0, 1]), store: store, shards: 1, interval: .infinity)
        #expect {
            _ = try run(resume.spec("count"), GroupMemberSource(parts, owned: [0, 1]), store: store, shards: 1, interval: .infinity)
        } throws: { error in
            "\(error)".contains("saved by pipeline 'tumbling'")
        }
    }
}
