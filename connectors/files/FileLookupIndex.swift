import Sluice

/// Where each key's record is in a CSV or NDJSON lookup-table file (or, when
/// preloaded, the rows themselves): the immutable half of a
/// ``FileLookupTable``, built by one streaming pass over the file and shared
/// by every table opened on it (one per worker of a parallel run).
///
/// Memory is the index only: per distinct key a 64-bit hash, a byte offset and
/// a length (a few dozen bytes with the dictionary's overhead), never the rows;
/// a lookup reads its record from disk (``FileRecordReader``). Keys are hashed
/// with ``LookupKey/hash(_:_:)`` (`int64` keys are their own hash); the rare
/// keys that share a hash are kept side by side and told apart when read.
///
/// Duplicate keys: the **last** record with a key wins, as a later row would
/// overwrite an earlier one in a map; they are counted in ``duplicates`` and
/// shown by `explain`. Records with a null key cannot be looked up and are
/// counted in ``nullKeys``. A record that does not decode (bad value, wrong
/// number of CSV fields) makes the whole table fail to open, with the first
/// such record: reference data that silently loses rows would enrich wrongly.
public final class FileLookupIndex: Sendable {
    /// A record's byte range in the file.
    public struct Entry: Sendable, Hashable {
        public var offset: Int64
        public var length: Int32
    }

    /// A file's size and modification time (ns), to refuse an index built from other contents.
    public struct Stamp: Sendable, Hashable {
        public var size: Int64
        public var modified: Int64
    }

    enum Storage: Sendable {
        /// By key hash: the first record's range, and ranges of other keys with the same hash.
        case offsets([UInt64: Entry], collisions: [UInt64: [Entry]])
        case rows([Value: [Value]])
    }

    public let path: String
    public let format: RecordFormat
    /// The table's key column, then the looked-up fields: how records are decoded.
    public let schema: Schema
    /// The bytes before the first record (a CSV header).
    let preamble: [UInt8]
    let storage: Storage
    public let stamp: Stamp
    /// Records read (rows of the table).
    public let records: Int
    /// Distinct keys that can be looked up.
    public let keys: Int
    /// Records whose key an earlier record already had (the later one wins).
    public let duplicates: Int
    /// Records with a null key (skipped).
    public let nullKeys: Int

    public var isPreloaded: Bool { if case .rows = storage { true } else { false } }

    private init(path: String, format: RecordFormat, schema: Schema, preamble: [UInt8], storage: Storage, stamp: Stamp,
                 records: Int, keys: Int, duplicates: Int, nullKeys: Int) {
        self.path = path
        self.format = format
        self.schema = schema
        self.preamble = preamble
        self.storage = storage
        self.stamp = stamp
        self.records = records
        self.keys = keys
        self.duplicates = duplicates
        self.nullKeys = nullKeys
    }

    /// Reads the whole file once and indexes it by `key` (or, with `preload`, keeps its rows).
    ///
    /// - Parameters:
    ///   - key: the table's key column and its type (`string` or `int64`).
    ///   - fields: the columns to look up, decoded with these types.
    /// - Throws: ``LookupTableError`` when the file cannot be read, lacks a column, has a record that does not decode,
    ///   or has records but none with a key.
    public static func build(path: String, format: RecordFormat, key: Field, fields: [Field], preload: Bool = false) throws -> FileLookupIndex {
        precondition(key.type == .string || key.type == .int64, "a lookup key is a string or an int64")
        let schema = Schema([key] + fields)
        let capture = MemoryByteSink()
        let letters = DeadLetters(sink: capture)
        let source: FileSource
        do {
            source = try FileSource(path: path, decoder: format.makeDecoder(), bufferSize: 1 << 20)
            try source.open(schema: schema)
        } catch let error as InputError {
            throw LookupTableError("cannot open lookup table '\(path)': \(error.message)")
        }
        let batch = Batch(schema: schema, capacity: 4096)
        let keyColumn = batch.columns[0]
        var reader: FileRecordReader?
        var preamble: [UInt8] = []
        var entries: [UInt64: Entry] = [:]
        var collisions: [UInt64: [Entry]] = [:]
        var rows: [Value: [Value]] = [:]
        var records = 0, duplicates = 0, nullKeys = 0

        /// Whether the record at `entry` has the key in row `r` of `batch` (reads it from disk).
        func sameKey(_ entry: Entry, _ r: Int) throws -> Bool {
            let bytes = batch.arena.bytes(keyColumn.strings[r])
            return try reader!.read(entry) && reader!.rowMatches(LookupKey(bytes: bytes))
        }

        while true {
            batch.reset()
            let more: Bool
            do {
                more = try source.next(into: batch, deadLetters: letters)
            } catch let error as InputError {
                let names = ([key.name] + fields.map(\.name)).map { "'\($0)'" }.joined(separator: ", ")
                throw LookupTableError("lookup table \(error.message) (the table needs its key column '\(key.name)' — set table_key if it has another name — and the columns to add; wanted: \(names))")
            }
            guard more else { break }
            if reader == nil, !preload, batch.count > 0 {
                let first = batch.recordOffsets[0]
                if first > 0 {
                    let scratch = try FileRecordReader(path: path, format: format, schema: schema, preamble: [])
                    preamble = Array(try scratch.bytes(at: 0, length: Int(first)))
                }
                reader = try FileRecordReader(path: path, format: format, schema: schema, preamble: preamble)
            }
            for r in 0..<batch.count {
                records += 1
                guard keyColumn.isValid(r) else {
                    nullKeys += 1
                    continue
                }
                if preload {
                    let k = Value(keyColumn, row: r, arena: batch.arena)
                    if rows[k] != nil { duplicates += 1 }
                    rows[k] = (1..<batch.columns.count).map { Value(batch.columns[$0], row: r, arena: batch.arena) }
                    continue
                }
                let entry = Entry(offset: batch.recordOffsets[r], length: batch.recordLengths[r])
                let hash: UInt64
                if key.type == .int64 {
                    hash = UInt64(bitPattern: keyColumn.int64[r])
                } else {
                    let s = keyColumn.strings[r]
                    hash = LookupKey.hash(UnsafeRawPointer(batch.arena.base + Int(s.offset)), Int(s.length))
                }
                guard let existing = entries[hash] else {
                    entries[hash] = entry
                    continue
                }
                // The same key again (last wins), or another key with the same hash (kept beside it).
                let isDuplicate = try key.type == .int64 || sameKey(existing, r)
                if isDuplicate {
                    duplicates += 1
                    entries[hash] = entry
                } else if let i = try collisions[hash]?.firstIndex(where: { try sameKey($0, r) }) {
                    duplicates += 1
                    collisions[hash]![i] = entry
                } else {
                    collisions[hash, default: []].append(entry)
                }
            }
        }
        if letters.total > 0 {
            try letters.flush()
            let first = capture.text.split(separator: "\n").first.map(String.init) ?? ""
            throw LookupTableError("lookup table \(path): \(letters.total) record\(letters.total == 1 ? "" : "s") could not be decoded with the declared types (\(schema.fields.map(\.description).joined(separator: ", "))); the first: \(first)")
        }
        if records > 0 && nullKeys == records {
            throw LookupTableError("lookup table \(path): no record has a value for the key column '\(key.name)' (set table_key if the table names it differently)")
        }
        let stamp = try (reader ?? (try FileRecordReader(path: path, format: format, schema: schema, preamble: []))).stamp()
        let storage: Storage = preload ? .rows(rows) : .offsets(entries, collisions: collisions)
        let keys = preload ? rows.count : entries.count + collisions.values.reduce(0) { $0 + $1.count }
        return FileLookupIndex(path: path, format: format, schema: schema, preamble: preamble, storage: storage, stamp: stamp,
                               records: records, keys: keys, duplicates: duplicates, nullKeys: nullKeys)
    }
}
