extension WindowKeys {
    /// Writes key `id` as the bytes of each of its fields, so it can be interned into any key space.
    func saveKey(_ id: Int32, to w: inout StateWriter) {
        if fields.count == 1 {
            w.write(fields[0].dictionary.keyBytes(id))
            return
        }
        let tuple = UnsafeRawPointer(compositeKeyBytes(id).baseAddress!)
        for (i, f) in fields.enumerated() {
            w.write(f.dictionary.keyBytes(tuple.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        }
    }

    /// Interns a key written by ``saveKey(_:to:)`` into this key space; returns its id here.
    func restoreKey(from r: inout StateReader) throws(CheckpointError) -> Int32 {
        var components: [Int32] = []
        for f in fields {
            let bytes: [UInt8] = try r.readArray()
            let expected: Int? = switch f.type {
            case .string: nil
            case .int64, .float64: 8
            case .bool: 1
            }
            if let expected, bytes.count != expected { throw .corrupt("key field \(f.name): \(bytes.count) bytes, expected \(expected)") }
            components.append(bytes.withUnsafeBufferPointer { f.dictionary.intern($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count, readable: 0) })
        }
        if fields.count == 1 { return components[0] }
        return internComposite(components)
    }

    /// Switches to an empty key space of the window's own (not the decoder's), before restoring keys.
    func resetForRestore() { _ = compact(keeping: []) }
}

extension WindowKeys {
    /// Every key in id order, so ``restoreKeySpace(from:)`` gives each the same id again: state
    /// indexed by key id can then be saved and restored verbatim.
    func saveKeySpace(to w: inout StateWriter) {
        w.write(idCount)
        for id in 0..<idCount { saveKey(Int32(id), to: &w) }
    }

    /// After ``resetForRestore()``: re-interns the keys of ``saveKeySpace(to:)`` with their old ids.
    func restoreKeySpace(from r: inout StateReader) throws(CheckpointError) {
        let n = try r.readInt()
        for id in 0..<max(0, n) {
            let restored = try restoreKey(from: &r)
            guard restored == Int32(id) else { throw .corrupt("key \(id) restored as \(restored): the key space repeats a key") }
        }
    }
}
