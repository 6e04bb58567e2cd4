/// Reading and writing whole segment files (``SegmentFormat``).
enum SegmentFile {
    /// What a listing learns from a segment's header without reading its payload.
    struct Listing: Sendable {
        var header: SegmentHeader?
        var fileSize: Int
        var corruption: SegmentCorruption?
    }

    /// Checks a segment's header and size; `nil` when the file no longer exists.
    static func inspect(_ path: String) throws(ReplayError) -> Listing? {
        guard let (bytes, size) = try ReplayFileSystem.readPrefix(path, count: SegmentFormat.headerSize) else { return nil }
        switch bytes.withUnsafeBytes({ SegmentHeader.decode($0) }) {
        case .failure(let corruption):
            return Listing(header: nil, fileSize: size, corruption: corruption)
        case .success(let header):
            if let problem = sizeProblem(header, fileSize: size) {
                return Listing(header: header, fileSize: size, corruption: problem)
            }
            return Listing(header: header, fileSize: size, corruption: nil)
        }
    }

    private static func sizeProblem(_ header: SegmentHeader, fileSize: Int) -> SegmentCorruption? {
        let expected = UInt64(SegmentFormat.headerSize).addingReportingOverflow(header.compressedSize)
        if expected.overflow || expected.partialValue > UInt64(fileSize) {
            return SegmentCorruption("truncated: \(fileSize) bytes, the header says \(expected.overflow ? "more" : String(expected.partialValue))")
        }
        if expected.partialValue < UInt64(fileSize) {
            return SegmentCorruption("\(UInt64(fileSize) - expected.partialValue) unexpected bytes after the payload")
        }
        // A 4 GiB payload is far beyond any memory bound: treat a larger claim as damage, not as an allocation to try.
        if header.uncompressedSize > 1 << 32 { return SegmentCorruption("implausible payload size \(header.uncompressedSize)") }
        return nil
    }

    /// A verified segment: header, uncompressed payload and its layout.
    struct Loaded {
        var header: SegmentHeader
        var payload: [UInt8]
        var reader: SegmentPayloadReader
    }

    /// Reads and verifies a whole segment; `nil` when the file no longer exists.
    /// Every failure, an I/O error included, is a corruption to report, never a throw.
    static func load(_ path: String, zstd: Zstd) -> Result<Loaded, SegmentCorruption>? {
        let file: [UInt8]
        do {
            guard let bytes = try ReplayFileSystem.readFile(path) else { return nil }
            file = bytes
        } catch {
            return .failure(SegmentCorruption("unreadable: \(error)"))
        }
        return file.withUnsafeBytes { raw -> Result<Loaded, SegmentCorruption> in
            let header: SegmentHeader
            switch SegmentHeader.decode(raw) {
            case .failure(let corruption): return .failure(corruption)
            case .success(let h): header = h
            }
            if let problem = sizeProblem(header, fileSize: raw.count) { return .failure(problem) }
            let compressed = UnsafeRawBufferPointer(rebasing: raw[SegmentFormat.headerSize...])
            guard CRC32.checksum(compressed) == header.payloadCRC else { return .failure(SegmentCorruption("payload checksum mismatch")) }
            let payload: [UInt8]
            switch zstd.decompress(compressed, expectedSize: Int(header.uncompressedSize)) {
            case .failure(let corruption): return .failure(corruption)
            case .success(let p): payload = p
            }
            let parsed = payload.withUnsafeBytes { bytes in
                Result { () throws(SegmentCorruption) in try SegmentPayloadReader(bytes) }
            }
            return parsed.flatMap { reader in
                guard reader.records == Int(header.records) else {
                    return .failure(SegmentCorruption("the payload holds \(reader.records) records, the header says \(header.records)"))
                }
                return .success(Loaded(header: header, payload: payload, reader: reader))
            }
        }
    }

    /// Writes a segment atomically from an uncompressed payload, compressing it into `scratch`
    /// (at least `Zstd.compressBound(payload.count)` bytes); returns the header written and the file size.
    static func write(payload: UnsafeRawBufferPointer, records: Int, path: String, temporary: String, directory: String,
                      zstd: Zstd, scratch: UnsafeMutableRawBufferPointer) throws(ReplayError) -> (header: SegmentHeader, fileSize: Int) {
        precondition(scratch.count >= Zstd.compressBound(payload.count))
        let compressedSize = try zstd.compress(payload, into: scratch)
        let compressed = UnsafeRawBufferPointer(rebasing: scratch[0..<compressedSize])
        let header = SegmentHeader(records: UInt64(records), uncompressedSize: UInt64(payload.count),
                                   compressedSize: UInt64(compressedSize), payloadCRC: CRC32.checksum(compressed))
        let headerBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: SegmentFormat.headerSize, alignment: 8)
        defer { headerBytes.deallocate() }
        headerBytes.copyBytes(from: header.encoded())
        try ReplayFileSystem.writeAtomically(path, temporary: temporary, directory: directory, [UnsafeRawBufferPointer(headerBytes), compressed])
        return (header, SegmentFormat.headerSize + compressedSize)
    }
}
