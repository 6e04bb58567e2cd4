/// One sealed spool segment: consecutive records from `firstSequence`, compressed together.
///
/// File layout: `SLSP`, version (UInt32), first sequence (UInt64), record count (UInt32), raw size
/// (UInt32), CRC-32 of the raw bytes (UInt32), creation time in epoch ms (Int64), then one zstd frame
/// of the raw bytes: per record its length (UInt32) and its bytes. All little-endian.
struct SpoolSegmentHeader: Equatable {
    static let magic: [UInt8] = Array("SLSP".utf8)
    static let version: UInt32 = 1
    static let size = 4 + 4 + 8 + 4 + 4 + 4 + 8

    var firstSequence: UInt64
    var count: UInt32
    var rawSize: UInt32
    var crc: UInt32
    var createdMilliseconds: Int64

    var endSequence: UInt64 { firstSequence + UInt64(count) }

    func encoded() -> [UInt8] {
        var b = Self.magic
        withUnsafeBytes(of: Self.version.littleEndian) { b += $0 }
        withUnsafeBytes(of: firstSequence.littleEndian) { b += $0 }
        withUnsafeBytes(of: count.littleEndian) { b += $0 }
        withUnsafeBytes(of: rawSize.littleEndian) { b += $0 }
        withUnsafeBytes(of: crc.littleEndian) { b += $0 }
        withUnsafeBytes(of: createdMilliseconds.littleEndian) { b += $0 }
        return b
    }

    /// The header at the start of `bytes`, or why it is not one.
    static func decode(_ bytes: [UInt8]) -> Result<SpoolSegmentHeader, SegmentCorruption> {
        guard bytes.count >= size else { return .failure(SegmentCorruption("\(bytes.count) bytes, shorter than a segment header")) }
        guard Array(bytes[0..<4]) == magic else { return .failure(SegmentCorruption("not a spool segment (bad magic)")) }
        return bytes.withUnsafeBytes { b in
            let version = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            guard version == Self.version else { return .failure(SegmentCorruption("format version \(version), expected \(Self.version)")) }
            return .success(SpoolSegmentHeader(firstSequence: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                                               count: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
                                               rawSize: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 20, as: UInt32.self)),
                                               crc: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt32.self)),
                                               createdMilliseconds: Int64(littleEndian: b.loadUnaligned(fromByteOffset: 28, as: Int64.self))))
        }
    }

    static func fileName(_ firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".spool"
    }

    /// Splits a segment's raw bytes into its records, checking every length.
    static func records(_ raw: [UInt8], count: Int) -> Result<[[UInt8]], SegmentCorruption> {
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var at = 0
        for _ in 0..<count {
            guard at + 4 <= raw.count else { return .failure(SegmentCorruption("record \(out.count) is cut short")) }
            let n = Int(raw.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) })
            at += 4
            guard at + n <= raw.count else { return .failure(SegmentCorruption("record \(out.count) declares \(n) bytes past the end")) }
            out.append(Array(raw[at..<(at + n)]))
            at += n
        }
        guard at == raw.count else { return .failure(SegmentCorruption("\(raw.count - at) bytes after the last record")) }
        return .success(out)
    }
}
