import Sluice

/// A lookup table read from a CSV or NDJSON file: the table of an `enrich`
/// step in `sluice run`.
///
/// By default it keeps only a ``FileLookupIndex`` (key → byte range, built in
/// one streaming pass when opened) and answers a lookup by reading that one
/// record with `pread` and decoding it, so memory does not grow with the
/// table's rows — and a lookup costs a system call and a decode. That cost is
/// what the enrich step's LRU cache saves on repeated keys. With `preload` the
/// rows are held in memory instead (no disk reads; memory grows with the table).
///
/// Every record read is checked to hold the key asked for, so hash collisions
/// never return a wrong row. The file must not be rewritten in place while a
/// pipeline uses it (replacing it by a rename is safe: the open descriptor
/// keeps the old contents); a table opened on a file whose size or
/// modification time differs from its index's is refused.
///
/// Thread-confined, one per plan instance; the index is shared.
public final class FileLookupTable: LookupTable {
    public let index: FileLookupIndex
    private let reader: FileRecordReader?

    /// Opens a table on an index built earlier (e.g. shared with other workers).
    public init(index: FileLookupIndex) throws {
        self.index = index
        if index.isPreloaded {
            reader = nil
        } else {
            let reader = try FileRecordReader(path: index.path, format: index.format, schema: index.schema, preamble: index.preamble)
            guard try reader.stamp() == index.stamp else {
                throw LookupTableError("lookup table \(index.path) changed since it was indexed; open it again")
            }
            self.reader = reader
        }
    }

    /// Indexes (or, with `preload`, loads) `path` and opens a table on it.
    public convenience init(path: String, format: RecordFormat, key: Field, fields: [Field], preload: Bool = false) throws {
        try self.init(index: FileLookupIndex.build(path: path, format: format, key: key, fields: fields, preload: preload))
    }

    public func lookup(_ key: LookupKey) throws -> [Value]? {
        switch index.storage {
        case .rows(let rows):
            return rows[key.value]
        case .offsets(let entries, let collisions):
            guard let entry = entries[key.hash] else { return nil }
            if let row = try read(entry, key) { return row }
            for other in collisions[key.hash] ?? [] {
                if let row = try read(other, key) { return row }
            }
            return nil
        }
    }

    /// The row at `entry` if it holds `key`; nil for another key with the same hash.
    private func read(_ entry: FileLookupIndex.Entry, _ key: LookupKey) throws -> [Value]? {
        let reader = reader!
        guard try reader.read(entry) else {
            throw LookupTableError("lookup table \(index.path) changed while in use: the record at byte \(entry.offset) no longer decodes")
        }
        guard reader.rowMatches(key) else {
            // int64 keys are their own hash, so a different key there means the file changed.
            if case .int64 = key.storage {
                throw LookupTableError("lookup table \(index.path) changed while in use: the record at byte \(entry.offset) has another key")
            }
            return nil
        }
        return reader.rowValues()
    }

    public var storageReads: Int { reader?.reads ?? 0 }

    public var explanation: String {
        var s = "\(index.path) (\(index.format.rawValue), key \(index.schema.fields[0].name): \(index.schema.fields[0].type), "
        if index.isPreloaded {
            s += "\(index.keys) keys preloaded in memory"
        } else {
            s += "\(index.keys) keys indexed by byte offset; a lookup reads and decodes one record"
        }
        if index.duplicates > 0 { s += "; \(index.duplicates) duplicate key\(index.duplicates == 1 ? "" : "s"), last wins" }
        if index.nullKeys > 0 { s += "; \(index.nullKeys) record\(index.nullKeys == 1 ? "" : "s") without a key skipped" }
        return s + ")"
    }
}
