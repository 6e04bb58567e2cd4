import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Reads one record of a CSV or NDJSON file at a known byte range (`pread`)
/// and decodes it into a one-row batch: the disk path of a
/// ``FileLookupTable`` lookup.
///
/// It decodes with the same decoders as a pipeline's source, so a table's
/// values mean exactly what they would as input. The decoder is primed once
/// with the file's *preamble* (the bytes before the first record: a CSV
/// header), after which every record is decoded on its own. Thread-confined:
/// it owns a descriptor, a scratch buffer and the batch.
final class FileRecordReader {
    let path: String
    /// The decoded record: row 0, fields as in the schema given at init.
    let batch: Batch
    /// Records read from disk so far.
    private(set) var reads = 0
    private let fd: Int32
    private let decoder: any RecordDecoder
    private let letters = DeadLetters(sink: nil)
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init(path: String, format: RecordFormat, schema: Schema, preamble: [UInt8]) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LookupTableError("cannot read lookup table \(path): \(String(cString: strerror(errno)))") }
        decoder = format.makeDecoder()
        decoder.sourceName = path
        batch = Batch(schema: schema, capacity: 1)
        capacity = 4096
        buffer = .allocate(capacity: capacity)
        do {
            try decoder.open(schema: schema)
            if !preamble.isEmpty {
                try preamble.withUnsafeBufferPointer { p in
                    batch.recordBytes = UnsafeRawPointer(p.baseAddress!)
                    _ = try decoder.decode(p.baseAddress!, count: p.count, atEnd: false, into: batch, deadLetters: letters)
                }
                guard batch.count == 0 else { throw LookupTableError("lookup table \(path): the bytes before the first record decode as a record") }
            }
        } catch {
            Glibc.close(fd)
            buffer.deallocate()
            throw error
        }
    }

    deinit {
        Glibc.close(fd)
        buffer.deallocate()
    }

    /// The file's size and modification time now: an index built from other contents must not be used.
    func stamp() throws -> FileLookupIndex.Stamp {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LookupTableError("cannot stat lookup table \(path): \(String(cString: strerror(errno)))") }
        return FileLookupIndex.Stamp(size: Int64(st.st_size), modified: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    /// Reads `length` bytes at `offset`.
    func bytes(at offset: Int64, length: Int) throws -> UnsafeBufferPointer<UInt8> {
        if length > capacity {
            buffer.deallocate()
            capacity = max(length, capacity * 2)
            buffer = .allocate(capacity: capacity)
        }
        var done = 0
        while done < length {
            let n = pread(fd, buffer + done, length - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw LookupTableError("cannot read lookup table \(path) at byte \(offset): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw LookupTableError("lookup table \(path) changed while in use: it ends before byte \(offset + Int64(length))") }
            done += n
        }
        return UnsafeBufferPointer(start: buffer, count: length)
    }

    /// Reads and decodes the record at `entry` into row 0 of ``batch``; false when it does not decode.
    func read(_ entry: FileLookupIndex.Entry) throws -> Bool {
        reads += 1
        var record = try bytes(at: entry.offset, length: Int(entry.length))
        // The decoders skip a byte order mark only at the start of their input; this record may have been first in the file.
        if entry.offset == 0, record.count >= 3, record[0] == 0xEF, record[1] == 0xBB, record[2] == 0xBF {
            record = UnsafeBufferPointer(rebasing: record[3...])
        }
        batch.reset()
        batch.recordBytes = UnsafeRawPointer(record.baseAddress)
        _ = try decoder.decode(record.baseAddress!, count: record.count, atEnd: true, into: batch, deadLetters: letters)
        return batch.count == 1
    }

    /// Whether row 0's key column (column 0) holds `key`.
    func rowMatches(_ key: LookupKey) -> Bool {
        let c = batch.columns[0]
        guard c.isValid(0) else { return false }
        switch key.storage {
        case .int64(let v): return c.type == .int64 && c.int64[0] == v
        case .string: return c.type == .string && key.matches(bytes: batch.arena.bytes(c.strings[0]))
        }
    }

    /// Row 0's values of columns `1...`: the looked-up fields.
    func rowValues() -> [Value] {
        (1..<batch.columns.count).map { Value(batch.columns[$0], row: 0, arena: batch.arena) }
    }
}
