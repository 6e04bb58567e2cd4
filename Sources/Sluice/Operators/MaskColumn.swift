/// Masks a string field in place: every character but the last `keepLast` becomes the mask byte
/// (`4915123456789` → `*********6789`). Characters are Unicode scalars, so a masked name keeps
/// its length in characters and the kept tail stays valid UTF-8. Nulls stay null.
final class MaskColumn: BatchOperator {
    let field: String
    let slot: Int
    let keepLast: Int
    let mask: UInt8

    init(field: String, slot: Int, keepLast: Int, mask: UInt8) {
        self.field = field
        self.slot = slot
        self.keepLast = keepLast
        self.mask = mask
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let column = batch.columns[slot]
        let arena = batch.arena
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            guard column.validity[r] != 0 else { continue }
            let s = column.strings[r]
            let length = Int(s.length)
            // Where the last `keepLast` scalars start, and how many scalars come before.
            var keptFrom = length
            var kept = 0
            let source = arena.base + Int(s.offset)
            while keptFrom > 0 && kept < keepLast {
                keptFrom -= 1
                if source[keptFrom] & 0xC0 != 0x80 { kept += 1 }
            }
            var masked = 0
            for i in 0..<keptFrom where source[i] & 0xC0 != 0x80 { masked += 1 }
            let out = arena.reserve(masked + (length - keptFrom))
            // `reserve` may have moved the arena: read the source again from its new base.
            let from = arena.base + Int(s.offset)
            out.update(repeating: mask, count: masked)
            (out + masked).update(from: from + keptFrom, count: length - keptFrom)
            column.strings[r] = arena.commit(masked + (length - keptFrom))
        }
    }

    var explanation: String { "mask(\(field), keep last \(keepLast))" }
}

/// Replaces a field by a keyed hash of its value (see ``SipHash24``), as 16 lowercase hex digits,
/// into a string slot (the same field, or a new one). Equal values give equal hashes within one
/// salt; nulls stay null.
final class SaltedHashColumn: BatchOperator {
    let field: String
    let from: Int, to: Int
    let fromType: DataType
    private let hasher: SipHash24
    private static let hex = Array("0123456789abcdef".utf8)

    init(field: String, from: Int, fromType: DataType, to: Int, salt: String) {
        self.field = field
        self.from = from
        self.to = to
        self.fromType = fromType
        hasher = SipHash24(salt: salt)
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let src = batch.columns[from], dst = batch.columns[to]
        let arena = batch.arena
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            dst.validity[r] = src.validity[r]
            guard src.validity[r] != 0 else { continue }
            let h: UInt64
            if fromType == .string {
                let s = src.strings[r]
                h = hasher.hash(UnsafeRawBufferPointer(start: arena.base + Int(s.offset), count: Int(s.length)))
            } else {
                var v = src.int64[r].littleEndian
                h = withUnsafeBytes(of: &v) { hasher.hash($0) }
            }
            let out = arena.reserve(16)
            for k in 0..<16 { out[k] = Self.hex[Int((h >> UInt64(60 - 4 * k)) & 0xF)] }
            dst.strings[r] = arena.commit(16)
        }
    }

    var explanation: String { "hash(\(field)\(from == to ? "" : " as a new field"), salted)" }
}
