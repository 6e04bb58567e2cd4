import Foundation
@testable import Sluice
import Testing

/// Per-partition state files in a shared directory: the highest position wins, the newest few are
/// kept per partition, a damaged file is passed over (reported) for the one before it.
@Suite struct PartitionStateStoreTests {
    func store(retained: Int = 2) throws -> PartitionStateStore {
        try PartitionStateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-parts-\(UUID().uuidString)").path,
                                retained: retained)
    }

    func state(_ partition: Int, at position: Int64) -> PartitionState {
        PartitionState(pipeline: "p", source: "kafka://t", partition: partition, position: position, watermark: 1_700_000_000_000 + position,
                       createdAtMilliseconds: 1_700_000_000_000, state: Array(repeating: UInt8(truncatingIfNeeded: position), count: 3000))
    }

    @Test func highestPositionWinsWhateverTheWriteOrder() throws {
        let s = try store()
        // A worker that lost the partition may still write an older position after the new owner's.
        try s.write(state(3, at: 500))
        try s.write(state(3, at: 900))
        try s.write(state(3, at: 700))
        #expect(try s.latest(partition: 3).state == state(3, at: 900))
        #expect(try s.positions(partition: 3) == [900, 700], "two kept")
        #expect(try s.latest(partition: 4).state == nil)
        try s.write(state(11, at: 0))
        #expect(try s.partitions() == [3, 11])
    }

    @Test func aDamagedNewestFileIsPassedOverAndReported() throws {
        let s = try store()
        try s.write(state(0, at: 10))
        try s.write(state(0, at: 20))
        let path = s.directory + "/partition-0000/" + PartitionStateStore.fileName(20)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let (latest, skipped) = try s.latest(partition: 0)
        #expect(latest == state(0, at: 10))
        #expect(skipped.count == 1 && skipped[0].contains("state-00000000000000000020.sluice"), "\(skipped)")
    }

    @Test func stateOfAnotherPipelineOrSourceDoesNotMatch() throws {
        let saved = state(1, at: 5)
        #expect(throws: CheckpointError.self) { try saved.checkMatches(pipeline: "other", source: "kafka://t") }
        #expect(throws: CheckpointError.self) { try saved.checkMatches(pipeline: "p", source: "kafka://u") }
        try saved.checkMatches(pipeline: "p", source: "kafka://t")
    }

    @Test func partitionsSpreadOverTheLeastLoadedShards() throws {
        let spec = PipelineSpec(name: "w", schema: Schema([Field("k", .string), Field("t", .int64)]), steps: [
            .window(WindowSpec(kind: .tumbling(.milliseconds(10)), by: ["k"], time: "t", aggregates: [Count()])),
        ])
        func plan() throws -> PhysicalPlan { try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil)) }
        let tasks = PartitionTasks(shards: 2)
        // Whatever partitions arrive (here all even), each shard runs half.
        for p in [0, 2, 4, 6] { tasks.add(p, plan: try plan(), now: 0) }
        #expect(tasks.partitions(onShard: 0) == [0, 4] && tasks.partitions(onShard: 1) == [2, 6])
        _ = tasks.remove(0)
        _ = tasks.remove(4)
        #expect(tasks.add(8, plan: try plan(), now: 0) == 0, "a newcomer goes to the shard that lost its partitions")
        #expect(tasks.partitions == [2, 6, 8])
        #expect(tasks[8]?.plan.firstWindowWatermark == .min)
    }
}
