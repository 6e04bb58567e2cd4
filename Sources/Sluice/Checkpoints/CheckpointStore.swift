#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory of checkpoint files, `checkpoint-<id>.sluice`, each written atomically (temporary
/// file, fsync, rename, fsync of the directory), so a crash at any moment leaves the previous
/// checkpoint whole. The newest ``retained`` files are kept; older ones are deleted once a newer
/// one is durable.
///
/// Each file is a ``CheckpointEnvelope`` of ``Checkpoint`` bytes. A file that fails any check is
/// reported and skipped in favour of the one before it, never half-applied.
public final class CheckpointStore {
    public let directory: String
    public let retained: Int
    private let envelope = CheckpointEnvelope()
    /// Held by the one run writing here (see ``lockForWriting(timeout:)``).
    private var lock: DirectoryLock?

    public init(directory: String, retained: Int = 2) throws(CheckpointError) {
        self.directory = directory
        self.retained = max(1, retained)
        do { try ReplayFileSystem.makeDirectories(directory) } catch { throw Self.converted(error) }
    }

    /// Makes this process the directory's only writer (an exclusive lock on `DIR/.lock`, released
    /// when the store goes away), so two runs can never interleave their checkpoints.
    public func lockForWriting(timeout: Double = 2) throws(CheckpointError) {
        guard lock == nil else { return }
        do { lock = try DirectoryLock(directory: directory, timeout: timeout) } catch { throw Self.converted(error) }
    }

    static func converted(_ error: ReplayError) -> CheckpointError { CheckpointEnvelope.converted(error) }

    static func fileName(_ id: Int64) -> String {
        let digits = String(id)
        return "checkpoint-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".sluice"
    }

    /// Ids of the checkpoint files present, newest first.
    public func ids() throws(CheckpointError) -> [Int64] {
        let names: [String]
        do { names = try ReplayFileSystem.list(directory) } catch { throw Self.converted(error) }
        return names.compactMap { name -> Int64? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".sluice") else { return nil }
            return Int64(name.dropFirst("checkpoint-".count).dropLast(".sluice".count))
        }.sorted(by: >)
    }

    /// Writes `checkpoint` durably; returns the file's size. Then deletes files beyond ``retained``.
    @discardableResult
    public func write(_ checkpoint: Checkpoint) throws(CheckpointError) -> Int {
        let name = Self.fileName(checkpoint.id)
        let size = try envelope.write(checkpoint.encoded(), directory: directory, name: name, temporaryName: "." + name + ".tmp")
        do {
            for old in try ids().dropFirst(retained) { try ReplayFileSystem.remove(directory + "/" + Self.fileName(old)) }
        } catch let error as ReplayError {
            throw Self.converted(error)
        } catch {
            throw error as! CheckpointError  // ids() throws nothing else
        }
        return size
    }

    /// Reads checkpoint `id`.
    public func read(_ id: Int64) throws(CheckpointError) -> Checkpoint {
        try Checkpoint(decoding: envelope.read(directory + "/" + Self.fileName(id)))
    }

    /// The newest checkpoint that reads back whole, and the problems of any newer ones skipped.
    public func latest() throws(CheckpointError) -> (checkpoint: Checkpoint?, skipped: [String]) {
        try latest { _ in true }
    }

    /// The newest checkpoint that reads back whole and satisfies `accept`, and why newer ones were skipped.
    public func latest(where accept: (Checkpoint) throws -> Bool) throws(CheckpointError) -> (checkpoint: Checkpoint?, skipped: [String]) {
        var skipped: [String] = []
        for id in try ids() {
            let checkpoint: Checkpoint
            do {
                checkpoint = try read(id)
            } catch {
                if case .io = error { throw error }
                skipped.append(error.description)
                continue
            }
            let accepted: Bool
            do { accepted = try accept(checkpoint) } catch { throw .mismatch("checking checkpoint \(id): \(error)") }
            if accepted { return (checkpoint, skipped) }
            skipped.append("checkpoint \(id): its output transaction never committed")
        }
        return (nil, skipped)
    }
}
