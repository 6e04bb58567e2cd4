/// Reads a segment payload (``SegmentFormat``) back into batches.
///
/// Parsing checks every count and length against the bytes that remain, so a
/// payload that passed its checksum but is still inconsistent (a writer bug,
/// a crafted file) is reported as corrupt rather than read out of bounds.
/// float64 and bool columns are copied into a batch with one `memcpy` per
/// column per batch, int64 byte planes are interleaved back, strings are
/// copied into the batch's arena.
struct SegmentPayloadReader {
    struct ColumnLayout {
        var field: Field
        var validity: Int
        /// Values, or the u32 lengths of a string column.
        var values: Int
        /// String bytes (string columns only).
        var bytes: Int
    }

    let schema: Schema
    let records: Int
    let columns: [ColumnLayout]

    /// Parses the layout of `payload`.
    init(_ payload: UnsafeRawBufferPointer) throws(SegmentCorruption) {
        var at = 0
        let size = payload.count
        func need(_ n: Int, _ what: String) throws(SegmentCorruption) {
            if n < 0 || n > size - at { throw SegmentCorruption("payload ends inside \(what) (offset \(at))") }
        }
        func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(SegmentCorruption) -> T {
            try need(MemoryLayout<T>.size, what)
            defer { at += MemoryLayout<T>.size }
            return T(littleEndian: payload.loadUnaligned(fromByteOffset: at, as: T.self))
        }
        let fieldCount = Int(try read(UInt32.self, "the field count"))
        guard fieldCount > 0, fieldCount <= 65_536 else { throw SegmentCorruption("implausible field count \(fieldCount)") }
        var fields: [Field] = []
        for _ in 0..<fieldCount {
            let code = try read(UInt8.self, "a field type")
            guard let type = SegmentFormat.type(ofCode: code) else { throw SegmentCorruption("unknown column type code \(code)") }
            let n = Int(try read(UInt32.self, "a field name length"))
            try need(n, "a field name")
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: payload[at..<(at + n)]), as: UTF8.self)
            at += n
            fields.append(Field(name, type))
        }
        let records64 = try read(UInt64.self, "the record count")
        guard records64 <= UInt64(size) else { throw SegmentCorruption("record count \(records64) exceeds the payload size") }
        let records = Int(records64)
        var columns: [ColumnLayout] = []
        for field in fields {
            try need(records, "the validity of '\(field.name)'")
            let validity = at
            at += records
            let values = at
            switch field.type {
            case .int64, .float64:
                try need(records * 8, "the values of '\(field.name)'")
                at += records * 8
                columns.append(ColumnLayout(field: field, validity: validity, values: values, bytes: 0))
            case .bool:
                try need(records, "the values of '\(field.name)'")
                at += records
                columns.append(ColumnLayout(field: field, validity: validity, values: values, bytes: 0))
            case .string:
                try need(records * 4, "the string lengths of '\(field.name)'")
                var sum = 0
                for k in 0..<records { sum += Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: at + k * 4, as: UInt32.self))) }
                at += records * 4
                let total = try read(UInt64.self, "the string byte count of '\(field.name)'")
                guard total == UInt64(sum) else { throw SegmentCorruption("string lengths of '\(field.name)' add up to \(sum), the column says \(total)") }
                try need(sum, "the string bytes of '\(field.name)'")
                columns.append(ColumnLayout(field: field, validity: validity, values: values, bytes: at))
                at += sum
            }
        }
        guard at == size else { throw SegmentCorruption("\(size - at) unexpected bytes after the last column") }
        self.schema = Schema(fields)
        self.records = records
        self.columns = columns
    }

    /// Calls `body` with batches of at most `batchSize` records, in order. `firstRecord` is
    /// the 1-based record number of the first record (batches carry record numbers, as from a source).
    /// The batch is reused between calls: it is valid only during `body`.
    func forEachBatch(_ payload: UnsafeRawBufferPointer, batchSize: Int, sourceName: String, firstRecord: Int64,
                      _ body: (Batch) throws -> Void) rethrows {
        guard records > 0, let base = payload.baseAddress else { return }
        let batch = Batch(schema: schema, capacity: min(max(1, batchSize), records))
        batch.sourceName = sourceName
        // Byte cursor into each string column's bytes.
        var stringCursor = columns.map(\.bytes)
        var start = 0
        while start < records {
            batch.reset()
            let n = min(batch.capacity, records - start)
            for (i, layout) in columns.enumerated() {
                let column = batch.columns[i]
                UnsafeMutableRawPointer(column.validity).copyMemory(from: base + layout.validity + start, byteCount: n)
                switch layout.field.type {
                case .int64:
                    let planes = base + layout.values + start
                    let values = column.values
                    for k in 0..<n {
                        var v: UInt64 = 0
                        for b in 0..<8 {
                            v |= UInt64(planes.load(fromByteOffset: b &* records &+ k, as: UInt8.self)) &<< UInt64(b &* 8)
                        }
                        values.storeBytes(of: v, toByteOffset: k &* 8, as: UInt64.self)
                    }
                case .float64:
                    column.values.copyMemory(from: base + layout.values + start * 8, byteCount: n * 8)
                case .bool:
                    column.values.copyMemory(from: base + layout.values + start, byteCount: n)
                case .string:
                    let lengths = base + layout.values + start * 4
                    let slots = column.strings
                    var cursor = stringCursor[i]
                    for k in 0..<n {
                        let length = Int(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                        slots[k] = batch.arena.append((base + cursor).assumingMemoryBound(to: UInt8.self), length)
                        cursor += length
                    }
                    stringCursor[i] = cursor
                }
            }
            for k in 0..<n { batch.recordNumbers[k] = firstRecord + Int64(start + k) }
            batch.count = n
            batch.selectAll()
            try body(batch)
            start += n
        }
    }
}
