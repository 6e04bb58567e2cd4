/// The on-disk format of a replay segment, version 1.
///
/// A segment is one file, `segment-<sequence, 20 digits>.replay`, holding the
/// records of one sealed memory tail. It is written to a temporary name,
/// fsynced and renamed into place (then the directory is fsynced), so a
/// segment either exists whole or not at all; a crash leaves at most a
/// temporary file, removed by the next writer. Sequence numbers only grow:
/// replay order is file-name order.
///
/// All integers are little-endian.
///
/// **Header** (48 bytes, uncompressed):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `SLUICERP` |
/// | 8 | 2 | format version, `1` |
/// | 10 | 2 | codec, `1` = zstd (one frame, content size recorded) |
/// | 12 | 4 | flags, `0` (reserved) |
/// | 16 | 8 | record count |
/// | 24 | 8 | payload size, uncompressed |
/// | 32 | 8 | payload size, compressed: the bytes after the header, to the end of the file |
/// | 40 | 4 | CRC-32 (IEEE) of the compressed payload |
/// | 44 | 4 | CRC-32 of header bytes 0..<44 |
///
/// **Payload** (compressed as one zstd frame), columnar:
///
/// ```text
/// u32 F                       field count
/// F × { u8 type, u32 n, n bytes of UTF-8 name }   type: 0 int64, 1 float64, 2 string, 3 bool
/// u64 N                       record count (equals the header's)
/// F × column, in field order:
///     N × u8  validity        1 = value, 0 = null
///     int64:   8 byte planes of N bytes: byte 0 (least significant) of every value, then byte 1, ...
///     float64: N × 8 bytes (IEEE 754 bits)
///     bool:    N × u8 (0 or 1)
///     string:  N × u32 byte lengths, u64 total B, B bytes of UTF-8 (values back to back)
/// ```
///
/// A null is stored as zeros (length 0 for a string), so equal data gives
/// identical files. int64 columns are stored as byte planes because
/// timestamps, counters and ids differ in their low bytes only: the high
/// planes compress to almost nothing (for millisecond timestamps, a ratio of
/// hundreds instead of 8, and zstd runs 20x faster over them). float64 values
/// stay whole: for decimal-looking data zstd finds more in whole values.
///
/// Readers check, in order: the file is at least a header
/// long, magic, header CRC, version, codec, file size against the compressed
/// size, payload CRC, zstd's recorded content size, and then every length in
/// the payload against the bytes that remain. Any failure makes the segment
/// *corrupt*: skipped and reported, never a crash.
enum SegmentFormat {
    static let magic: [UInt8] = Array("SLUICERP".utf8)
    static let version: UInt16 = 1
    static let codecZstd: UInt16 = 1
    static let headerSize = 48

    static let filePrefix = "segment-"
    static let fileSuffix = ".replay"
    /// Temporary files are `.segment-<sequence>.tmp-<pid>`; the leading dot keeps them out of listings.
    static let temporaryPrefix = ".segment-"
    static let lockFileName = ".lock"

    static func fileName(sequence: UInt64) -> String {
        let digits = String(sequence)
        return filePrefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + fileSuffix
    }

    /// The sequence number of a segment file name, or `nil` if the name is not one.
    static func sequence(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix(filePrefix), name.hasSuffix(fileSuffix) else { return nil }
        let digits = name.dropFirst(filePrefix.count).dropLast(fileSuffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    /// The stable one-byte code of a column type in the payload.
    static func typeCode(_ type: DataType) -> UInt8 {
        switch type {
        case .int64: return 0
        case .float64: return 1
        case .string: return 2
        case .bool: return 3
        }
    }

    static func type(ofCode code: UInt8) -> DataType? {
        switch code {
        case 0: return .int64
        case 1: return .float64
        case 2: return .string
        case 3: return .bool
        default: return nil
        }
    }
}
