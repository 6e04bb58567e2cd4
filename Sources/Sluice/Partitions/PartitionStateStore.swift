#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-partition state in a directory every worker of a consumer group shares (the same path on one
/// machine; a shared mount such as NFS across machines):
/// `DIR/partition-0007/state-<position>.sluice`, each a ``CheckpointEnvelope`` of ``PartitionState``.
///
/// Several processes write here without a lock: a partition has one owner at a time, and should a
/// worker that lost its partition still write (before it notices), its state is still correct for
/// its position (see ``PartitionState``). Readers take the highest position that reads back whole;
/// the newest ``retained`` files per partition are kept.
public final class PartitionStateStore: @unchecked Sendable {
    // Safe: immutable after init; file operations are atomic renames, safe between processes.
    public let directory: String
    public let retained: Int
    private let envelope = CheckpointEnvelope()

    public init(directory: String, retained: Int = 2) throws(CheckpointError) {
        self.directory = directory
        self.retained = max(1, retained)
        do { try ReplayFileSystem.makeDirectories(directory) } catch { throw CheckpointEnvelope.converted(error) }
    }

    static func partitionDirectory(_ partition: Int) -> String {
        let digits = String(partition)
        return "partition-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func fileName(_ position: Int64) -> String {
        let digits = String(position)
        return "state-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".sluice"
    }

    /// Partitions with a state directory.
    public func partitions() throws(CheckpointError) -> [Int] {
        let names: [String]
        do { names = try ReplayFileSystem.list(directory) } catch { throw CheckpointEnvelope.converted(error) }
        return names.compactMap { $0.hasPrefix("partition-") ? Int($0.dropFirst("partition-".count)) : nil }.sorted()
    }

    /// Positions of a partition's saved states, newest (highest) first.
    public func positions(partition: Int) throws(CheckpointError) -> [Int64] {
        let dir = directory + "/" + Self.partitionDirectory(partition)
        guard ReplayFileSystem.isDirectory(dir) else { return [] }
        let names: [String]
        do { names = try ReplayFileSystem.list(dir) } catch { throw CheckpointEnvelope.converted(error) }
        return names.compactMap { name -> Int64? in
            guard name.hasPrefix("state-"), name.hasSuffix(".sluice") else { return nil }
            return Int64(name.dropFirst("state-".count).dropLast(".sluice".count))
        }.sorted(by: >)
    }

    /// Writes `state` durably; returns the file's size. Then deletes the partition's files beyond ``retained``.
    @discardableResult
    public func write(_ state: PartitionState) throws(CheckpointError) -> Int {
        let dir = directory + "/" + Self.partitionDirectory(state.partition)
        do { try ReplayFileSystem.makeDirectories(dir) } catch { throw CheckpointEnvelope.converted(error) }
        let name = Self.fileName(state.position)
        // The temporary name is per process: two workers may briefly write the same partition.
        let size = try envelope.write(state.encoded(), directory: dir, name: name, temporaryName: ".\(name).\(getpid()).tmp")
        for old in try positions(partition: state.partition).dropFirst(retained) {
            // Another worker may have removed it already.
            try? ReplayFileSystem.remove(dir + "/" + Self.fileName(old))
        }
        return size
    }

    /// Reads the state a partition saved at `position`.
    public func read(partition: Int, position: Int64) throws(CheckpointError) -> PartitionState {
        let state = try PartitionState(decoding: envelope.read(directory + "/" + Self.partitionDirectory(partition) + "/" + Self.fileName(position)))
        guard state.partition == partition, state.position == position else {
            throw .corrupt("\(Self.partitionDirectory(partition))/\(Self.fileName(position)) holds partition \(state.partition) at \(state.position)")
        }
        return state
    }

    /// The newest state of `partition` that reads back whole, and why newer files were passed over.
    public func latest(partition: Int) throws(CheckpointError) -> (state: PartitionState?, skipped: [String]) {
        var skipped: [String] = []
        for position in try positions(partition: partition) {
            do {
                return (try read(partition: partition, position: position), skipped)
            } catch {
                // Removed meanwhile by another worker's retention: not a problem, just older.
                if case .io(_, _, let code) = error, code == ENOENT { continue }
                if case .io = error { throw error }
                skipped.append(error.description)
            }
        }
        return (nil, skipped)
    }
}
