/// The fixed 48-byte header of a segment file (layout in ``SegmentFormat``).
struct SegmentHeader: Sendable, Equatable {
    var records: UInt64
    var uncompressedSize: UInt64
    var compressedSize: UInt64
    var payloadCRC: UInt32

    /// The header's bytes, its own CRC included.
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: SegmentFormat.headerSize)
        bytes.withUnsafeMutableBytes { p in
            p.copyBytes(from: SegmentFormat.magic)
            p.storeBytes(of: SegmentFormat.version.littleEndian, toByteOffset: 8, as: UInt16.self)
            p.storeBytes(of: SegmentFormat.codecZstd.littleEndian, toByteOffset: 10, as: UInt16.self)
            p.storeBytes(of: UInt32(0), toByteOffset: 12, as: UInt32.self)
            p.storeBytes(of: records.littleEndian, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: uncompressedSize.littleEndian, toByteOffset: 24, as: UInt64.self)
            p.storeBytes(of: compressedSize.littleEndian, toByteOffset: 32, as: UInt64.self)
            p.storeBytes(of: payloadCRC.littleEndian, toByteOffset: 40, as: UInt32.self)
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[0..<44]))
            p.storeBytes(of: crc.littleEndian, toByteOffset: 44, as: UInt32.self)
        }
        return bytes
    }

    /// Parses and checks a header: magic, version, codec, flags and its CRC.
    static func decode(_ p: UnsafeRawBufferPointer) -> Result<SegmentHeader, SegmentCorruption> {
        guard p.count >= SegmentFormat.headerSize else {
            return .failure(SegmentCorruption("truncated: \(p.count) bytes, shorter than the \(SegmentFormat.headerSize)-byte header"))
        }
        guard p[0..<8].elementsEqual(SegmentFormat.magic) else { return .failure(SegmentCorruption("not a replay segment (bad magic)")) }
        let storedCRC = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 44, as: UInt32.self))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[0..<44])) == storedCRC else {
            return .failure(SegmentCorruption("header checksum mismatch"))
        }
        let version = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        guard version == SegmentFormat.version else { return .failure(SegmentCorruption("unsupported format version \(version)")) }
        let codec = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        guard codec == SegmentFormat.codecZstd else { return .failure(SegmentCorruption("unknown codec \(codec)")) }
        let flags = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard flags == 0 else { return .failure(SegmentCorruption("unknown flags \(flags)")) }
        return .success(SegmentHeader(
            records: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            uncompressedSize: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
            compressedSize: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 32, as: UInt64.self)),
            payloadCRC: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 40, as: UInt32.self))))
    }
}
