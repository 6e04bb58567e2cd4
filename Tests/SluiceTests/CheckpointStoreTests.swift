import Foundation
@testable import Sluice
import Testing

/// Checkpoint files: written atomically, read back exactly, the newest few kept, and a damaged
/// newest file passed over (reported) in favour of the one before it.
@Suite struct CheckpointStoreTests {
    func store(retained: Int = 2) throws -> CheckpointStore {
        try CheckpointStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-\(UUID().uuidString)").path, retained: retained)
    }

    func checkpoint(_ id: Int64) -> Checkpoint {
        Checkpoint(id: id, pipeline: "p", source: "kafka://t", shards: 2, keyGroups: 16, positions: [id * 10, id * 20, 7],
                   shardStates: [Array(repeating: UInt8(id), count: 5000), [1, 2, 3]], createdAtMilliseconds: 1_700_000_000_000 + id)
    }

    @Test func roundTripsAndKeepsTheNewest() throws {
        let s = try store()
        for id in 1...4 { try s.write(checkpoint(Int64(id))) }
        #expect(try s.ids() == [4, 3])
        #expect(try s.read(3) == checkpoint(3))
        let (latest, skipped) = try s.latest()
        #expect(latest == checkpoint(4))
        #expect(skipped.isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "no temporary files remain")
    }

    @Test(arguments: ["flip", "truncate", "garbage"])
    func aDamagedNewestCheckpointFallsBackToThePreviousOne(damage: String) throws {
        let s = try store()
        try s.write(checkpoint(1))
        try s.write(checkpoint(2))
        let path = s.directory + "/" + CheckpointStore.fileName(2)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        switch damage {
        case "flip": bytes[bytes.count / 2] ^= 0x40
        case "truncate": bytes = bytes.prefix(bytes.count - 9)
        default: bytes = Data("not a checkpoint".utf8)
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let (latest, skipped) = try s.latest()
        #expect(latest == checkpoint(1))
        #expect(skipped.count == 1 && skipped[0].contains(CheckpointStore.fileName(2)), "\(skipped)")
    }

    @Test func mismatchesNameTheWayOut() throws {
        let c = checkpoint(1)
        #expect(throws: CheckpointError.self) { try c.checkMatches(pipeline: "other", source: "kafka://t", shards: 2, keyGroups: 16) }
        #expect(throws: CheckpointError.self) { try c.checkMatches(pipeline: "p", source: "kafka://u", shards: 2, keyGroups: 16) }
        do {
            try c.checkMatches(pipeline: "p", source: "kafka://t", shards: 3, keyGroups: 16)
            Issue.record("a different shard count must be refused")
        } catch {
            #expect("\(error)".contains("--shards 2 --key-groups 16"))
        }
    }

    @Test func stateReaderRejectsTruncatedInput() throws {
        var w = StateWriter()
        w.write([1.0, 2.0, 3.0])
        w.write("hello")
        var r = StateReader(Array(w.bytes.dropLast(2)))
        #expect(try r.readArray(of: Double.self) == [1, 2, 3])
        #expect(throws: CheckpointError.self) { _ = try r.readString() }
        var huge = StateWriter()
        huge.write(Int64.max)
        var r2 = StateReader(huge.bytes)
        #expect(throws: CheckpointError.self) { _ = try r2.readArray(of: UInt8.self) }
    }

    @Test func oneWriterPerDirectory() throws {
        let first = try store()
        try first.lockForWriting()
        let second = try CheckpointStore(directory: first.directory)
        #expect(throws: CheckpointError.self) { try second.lockForWriting(timeout: 0.05) }
        #expect(try second.latest().checkpoint == nil, "reading needs no lock")
    }
}
