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
/// File layout: `SLCK`, format version (UInt32), uncompressed size (UInt64), CRC-32 of the
/// uncompressed bytes (UInt32), then one zstd frame of ``Checkpoint`` bytes. A file that fails
/// any check is reported and skipped in favour of the one before it, never half-applied.
public final class CheckpointStore {
    public let directory: String
    public let retained: Int
    private let zstd = Zstd(level: 3)
    /// Held by the one run writing here (see ``lockForWriting(timeout:)``).
    private var lock: DirectoryLock?
    static let magic: [UInt8] = Array("SLCK".utf8)
    static let version: UInt32 = 1
    static let headerSize = 4 + 4 + 8 + 4

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

    static func converted(_ error: ReplayError) -> CheckpointError {
        if case .io(let operation, let path, let code) = error { return .io(operation: operation, path: path, errno: code) }
        if case .directoryLocked(let path, let holder) = error { return .locked(path: path, holder: holder) }
        return .corrupt(error.description)
    }

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
        let raw = checkpoint.encoded()
        var compressed = [UInt8](repeating: 0, count: Zstd.compressBound(raw.count))
        let compressedSize = raw.withUnsafeBytes { src in
            compressed.withUnsafeMutableBytes { dst in Result { () throws(ReplayError) in try zstd.compress(src, into: dst) } }
        }
        let n: Int
        switch compressedSize {
        case .success(let size): n = size
        case .failure(let error): throw .corrupt("zstd: \(error)")
        }
        var header = Self.magic
        withUnsafeBytes(of: Self.version.littleEndian) { header += $0 }
        withUnsafeBytes(of: UInt64(raw.count).littleEndian) { header += $0 }
        withUnsafeBytes(of: CRC32.checksum(raw).littleEndian) { header += $0 }
        let name = Self.fileName(checkpoint.id)
        let written = header.withUnsafeBytes { h in
            compressed.withUnsafeBytes { c in
                Result { () throws(ReplayError) in
                    try ReplayFileSystem.writeAtomically(directory + "/" + name, temporary: directory + "/." + name + ".tmp", directory: directory,
                                                         [h, UnsafeRawBufferPointer(rebasing: c[0..<n])])
                }
            }
        }
        if case .failure(let error) = written { throw Self.converted(error) }
        do {
            for old in try ids().dropFirst(retained) { try ReplayFileSystem.remove(directory + "/" + Self.fileName(old)) }
        } catch let error as ReplayError {
            throw Self.converted(error)
        } catch {
            throw error as! CheckpointError  // ids() throws nothing else
        }
        return header.count + n
    }

    /// Reads checkpoint `id`.
    public func read(_ id: Int64) throws(CheckpointError) -> Checkpoint {
        let path = directory + "/" + Self.fileName(id)
        let file: [UInt8]?
        do { file = try ReplayFileSystem.readFile(path) } catch { throw Self.converted(error) }
        guard let file else { throw .io(operation: "read", path: path, errno: ENOENT) }
        guard file.count >= Self.headerSize, Array(file[0..<4]) == Self.magic else { throw .corrupt("\(path) is not a Sluice checkpoint") }
        let (version, size, crc) = file.withUnsafeBytes { b in
            (UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
             UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
             UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        }
        guard version == Self.version else { throw .corrupt("\(path) has format version \(version); this Sluice reads version \(Self.version)") }
        guard size < 1 << 40 else { throw .corrupt("\(path) declares \(size) bytes") }
        let raw: [UInt8]
        switch file.withUnsafeBytes({ zstd.decompress(UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...]), expectedSize: Int(size)) }) {
        case .success(let bytes): raw = bytes
        case .failure(let why): throw .corrupt("\(path): \(why)")
        }
        guard CRC32.checksum(raw) == crc else { throw .corrupt("\(path): checksum mismatch") }
        return try Checkpoint(decoding: raw)
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
