#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk wrapping shared by every checkpoint file (whole-run checkpoints and per-partition
/// state): `SLCK`, format version (UInt32), uncompressed size (UInt64), CRC-32 of the uncompressed
/// bytes (UInt32), then one zstd frame. Written atomically (temporary file, fsync, rename, fsync of
/// the directory); a file failing any check is reported as corrupt, never half-applied.
struct CheckpointEnvelope {
    static let magic: [UInt8] = Array("SLCK".utf8)
    static let version: UInt32 = 1
    static let headerSize = 4 + 4 + 8 + 4
    private let zstd = Zstd(level: 3)

    /// Writes `raw` durably to `directory/name` (through `directory/temporaryName`); returns the file size.
    func write(_ raw: [UInt8], directory: String, name: String, temporaryName: String) throws(CheckpointError) -> Int {
        let compressed: [UInt8]
        do { compressed = try zstd.compress(raw) } catch { throw .corrupt("zstd: \(error)") }
        var header = Self.magic
        withUnsafeBytes(of: Self.version.littleEndian) { header += $0 }
        withUnsafeBytes(of: UInt64(raw.count).littleEndian) { header += $0 }
        withUnsafeBytes(of: CRC32.checksum(raw).littleEndian) { header += $0 }
        let written = header.withUnsafeBytes { h in
            compressed.withUnsafeBytes { c in
                Result { () throws(ReplayError) in
                    try ReplayFileSystem.writeAtomically(directory + "/" + name, temporary: directory + "/" + temporaryName, directory: directory, [h, c])
                }
            }
        }
        if case .failure(let error) = written { throw Self.converted(error) }
        return header.count + compressed.count
    }

    /// The checked, decompressed bytes of the file at `path`.
    func read(_ path: String) throws(CheckpointError) -> [UInt8] {
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
        return raw
    }

    static func converted(_ error: ReplayError) -> CheckpointError {
        if case .io(let operation, let path, let code) = error { return .io(operation: operation, path: path, errno: code) }
        if case .directoryLocked(let path, let holder) = error { return .locked(path: path, holder: holder) }
        return .corrupt(error.description)
    }
}
