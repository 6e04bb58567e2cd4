/// The in-memory tail of a replay buffer: the newest records, kept columnar
/// in exactly the sections of a segment payload (``SegmentFormat``), so
/// sealing it is one copy into the payload and one zstd call.
///
/// Appending gathers the selected rows of a batch column by column (no
/// per-record allocation). Nulls are written as zeros so files are
/// deterministic. Not thread-safe: the buffer's store owns it under its lock.
final class ReplayTail {
    final class Section {
        let field: Field
        let validity = ByteArena(capacity: 4096)
        /// Fixed-width values, or u32 lengths for strings.
        let values = ByteArena(capacity: 4096)
        /// String bytes, back to back.
        let bytes: ByteArena?

        init(_ field: Field) {
            self.field = field
            bytes = field.type == .string ? ByteArena(capacity: 16 * 1024) : nil
        }

        var byteCount: Int { validity.count + values.count + (bytes?.count ?? 0) }

        func reset() {
            validity.reset()
            values.reset()
            bytes?.reset()
        }
    }

    let fields: [Field]
    let sections: [Section]
    private(set) var rows = 0
    /// Bytes of a row excluding string contents: what the memory bound can predict.
    let fixedBytesPerRow: Int

    init(fields: [Field]) {
        self.fields = fields
        sections = fields.map(Section.init)
        fixedBytesPerRow = max(1, fields.reduce(0) { total, f in
            total + 1 + (f.type == .string ? 4 : (f.type == .bool ? 1 : 8))
        })
    }

    /// Predicted bytes of one more row: the fixed part plus the string bytes per row so far.
    var bytesPerRow: Int {
        guard rows > 0 else { return fixedBytesPerRow }
        return fixedBytesPerRow + sections.reduce(0) { $0 + ($1.bytes?.count ?? 0) } / rows
    }

    /// Bytes held (used, not reserved).
    var byteCount: Int { sections.reduce(0) { $0 + $1.byteCount } }

    func reset() {
        for s in sections { s.reset() }
        rows = 0
    }

    /// Appends `count` selected rows of `batch`, from selection position `first`, reading `slots`.
    func append(_ batch: Batch, slots: [Int], first: Int, count n: Int) {
        precondition(slots.count == sections.count)
        let sel = batch.selection + first
        for (i, slot) in slots.enumerated() {
            let column = batch.columns[slot]
            let section = sections[i]
            let valid = column.validity
            let vdst = section.validity.reserve(n)
            for k in 0..<n { vdst[k] = valid[Int(sel[k])] != 0 ? 1 : 0 }
            _ = section.validity.commit(n)
            switch column.type {
            case .int64, .float64:
                let src = UnsafeRawPointer(column.values).assumingMemoryBound(to: UInt64.self)
                let dst = UnsafeMutableRawPointer(section.values.reserve(n * 8))
                for k in 0..<n {
                    let r = Int(sel[k])
                    // All ones for a value, zero for a null: a branch-free zero fill.
                    let mask = 0 &- UInt64(valid[r] != 0 ? 1 : 0)
                    dst.storeBytes(of: (src[r] & mask).littleEndian, toByteOffset: k &* 8, as: UInt64.self)
                }
                _ = section.values.commit(n * 8)
            case .bool:
                let src = column.bools
                let dst = section.values.reserve(n)
                for k in 0..<n {
                    let r = Int(sel[k])
                    dst[k] = valid[r] != 0 && src[r] != 0 ? 1 : 0
                }
                _ = section.values.commit(n)
            case .string:
                let src = column.strings
                let arena = batch.arena
                let lengths = UnsafeMutableRawPointer(section.values.reserve(n * 4))
                let bytes = section.bytes!
                for k in 0..<n {
                    let r = Int(sel[k])
                    if valid[r] != 0 {
                        let s = src[r]
                        lengths.storeBytes(of: s.length.littleEndian, toByteOffset: k &* 4, as: UInt32.self)
                        // `bytes.append` may grow its storage: `lengths` points into another arena.
                        _ = bytes.append(arena.base + Int(s.offset), Int(s.length))
                    } else {
                        lengths.storeBytes(of: UInt32(0), toByteOffset: k &* 4, as: UInt32.self)
                    }
                }
                _ = section.values.commit(n * 4)
            }
        }
        rows += n
    }

    /// The size of the payload ``encodePayload(into:)`` writes.
    var payloadSize: Int {
        var size = 4 + 8
        for s in sections {
            size += 1 + 4 + s.field.name.utf8.count + s.validity.count + s.values.count
            if let b = s.bytes { size += 8 + b.count }
        }
        return size
    }

    /// Writes the payload (``SegmentFormat``) to `p`, which holds at least ``payloadSize`` bytes.
    func encodePayload(into p: UnsafeMutableRawPointer) {
        var at = 0
        func put<T: FixedWidthInteger>(_ v: T) {
            p.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self)
            at += MemoryLayout<T>.size
        }
        func put(_ arena: ByteArena) {
            (p + at).copyMemory(from: arena.base, byteCount: arena.count)
            at += arena.count
        }
        // int64 values as 8 byte planes (byte 0 of every value, then byte 1, ...): timestamps,
        // counters and ids differ in their low bytes only, so the high planes compress to nothing.
        func putBytePlanes(_ arena: ByteArena) {
            let n = rows
            let src = UnsafeRawPointer(arena.base)
            let dst = p + at
            for k in 0..<n {
                let v = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: k &* 8, as: UInt64.self))
                for b in 0..<8 {
                    dst.storeBytes(of: UInt8(truncatingIfNeeded: v &>> UInt64(b &* 8)), toByteOffset: b &* n &+ k, as: UInt8.self)
                }
            }
            at += n * 8
        }
        put(UInt32(sections.count))
        for s in sections {
            put(SegmentFormat.typeCode(s.field.type))
            let name = Array(s.field.name.utf8)
            put(UInt32(name.count))
            name.withUnsafeBytes { if let b = $0.baseAddress { (p + at).copyMemory(from: b, byteCount: $0.count) } }
            at += name.count
        }
        put(UInt64(rows))
        for s in sections {
            put(s.validity)
            if s.field.type == .int64 {
                putBytePlanes(s.values)
            } else {
                put(s.values)
            }
            if let b = s.bytes {
                put(UInt64(b.count))
                put(b)
            }
        }
        assert(at == payloadSize)
    }

    /// The payload as an array (for a snapshot that outlives the lock).
    func encodedPayload() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: payloadSize) { buffer, initialized in
            encodePayload(into: UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = buffer.count
        }
    }
}
