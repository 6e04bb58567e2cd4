import CZstd

/// zstd compression of replay segment payloads, through libzstd's one-shot
/// API with reusable contexts (a context holds ~1 MB of tables at level 3, so
/// it is made once per buffer or per replay, not per segment).
///
/// Not `Sendable`: a context must not be used by two threads at once; each
/// owner (the buffer's store, one replay call) has its own.
final class Zstd {
    private let cctx: OpaquePointer
    private let dctx: OpaquePointer
    let level: Int32

    init(level: Int32) {
        guard let c = ZSTD_createCCtx(), let d = ZSTD_createDCtx() else { fatalError("libzstd could not allocate a context") }
        cctx = c
        dctx = d
        self.level = level
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        ZSTD_freeDCtx(dctx)
    }

    /// The levels libzstd accepts (negative levels are its fastest modes).
    static var levels: ClosedRange<Int32> { ZSTD_minCLevel()...ZSTD_maxCLevel() }

    /// The most bytes compressing `n` bytes can produce.
    static func compressBound(_ n: Int) -> Int { ZSTD_compressBound(n) }

    /// Compresses `source` into `destination` (at least `compressBound(source.count)` bytes);
    /// returns the compressed size.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(ReplayError) -> Int {
        let n = ZSTD_compressCCtx(cctx, destination.baseAddress, destination.count, source.baseAddress, source.count, level)
        if ZSTD_isError(n) != 0 { throw .compression(String(cString: ZSTD_getErrorName(n))) }
        return n
    }

    /// `raw` as one zstd frame (checkpoint files and spool segments compress whole buffers).
    func compress(_ raw: [UInt8]) throws(ReplayError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.compressBound(raw.count))
        let size = raw.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in Result { () throws(ReplayError) in try compress(src, into: dst) } }
        }
        out.removeLast(out.count - (try size.get()))
        return out
    }

    /// Decompresses one whole frame of exactly `expectedSize` bytes, or explains why it cannot.
    func decompress(_ source: UnsafeRawBufferPointer, expectedSize: Int) -> Result<[UInt8], SegmentCorruption> {
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        // ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are the two largest UInt64 values.
        if declared >= UInt64.max - 1 { return .failure(SegmentCorruption("the payload is not a zstd frame with a known size")) }
        if declared != UInt64(expectedSize) {
            return .failure(SegmentCorruption("the zstd frame holds \(declared) bytes, the header says \(expectedSize)"))
        }
        var out = [UInt8](repeating: 0, count: expectedSize)
        let n = out.withUnsafeMutableBytes { ZSTD_decompressDCtx(dctx, $0.baseAddress, $0.count, source.baseAddress, source.count) }
        if ZSTD_isError(n) != 0 { return .failure(SegmentCorruption("zstd: \(String(cString: ZSTD_getErrorName(n)))")) }
        if n != expectedSize { return .failure(SegmentCorruption("decompressed \(n) bytes, the header says \(expectedSize)")) }
        return .success(out)
    }
}

/// zstd for callers outside the core library (the edge agent compresses what it forwards).
public enum ZstdCompression {
    /// `bytes` as one zstd frame at `level` (3: libzstd's default; negative levels are faster).
    public static func compress(_ bytes: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        try Zstd(level: level).compress(bytes)
    }

    /// One zstd frame back to its bytes (at most `limit`), or nil if it is not a whole frame.
    public static func decompress(_ frame: [UInt8], limit: Int = 1 << 30) -> [UInt8]? {
        let declared = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard declared < UInt64.max - 1, declared <= UInt64(limit) else { return nil }
        return try? frame.withUnsafeBytes { Zstd(level: 3).decompress($0, expectedSize: Int(declared)) }.get()
    }
}
