/// Turns a window's grouping key fields into dense key ids, and ids back into output values.
///
/// A string key that the decoder dictionary-encodes costs nothing while the window's key space
/// *is* that dictionary: its id is in the column. Ids of any other dictionary (another worker's
/// in a parallel run, the decoder's fresh one after it reached its size limit, or the decoder's
/// after the window compacted its key space) are translated through a table filled on first
/// sight. Compaction (``compact(keeping:)``) rebuilds the key space with the keys the window
/// still holds, so memory follows the live keys, not every key ever seen. Other keys are
/// interned into the window's own dictionary; several key fields are combined into one id
/// through a dictionary of id tuples.
final class WindowKeys {
    /// How a key field turns into a dense id.
    struct KeyField {
        let name: String
        let slot: Int
        let type: DataType
        /// The window's key space for this field: at first the decoder's dictionary (strings it
        /// encodes), else the window's own (strings: their bytes; other types: their 8 value bytes).
        var dictionary: KeyDictionary
        /// Whether the decoder dictionary-encodes this field (its ids are translated).
        let decoderEncoded: Bool
    }

    private(set) var fields: [KeyField]
    /// Maps tuples of key ids to one id when grouping by several fields.
    private var compositeKeys: KeyDictionary?
    /// Id translation for batches decoded with another dictionary: foreign id → own id, -1 = not seen yet.
    private var translations: [ObjectIdentifier: Translation] = [:]

    final class Translation {
        var ids: UnsafeMutablePointer<Int32>
        var capacity: Int
        /// The dictionary the table translates (weak: a freed one's address may be reused).
        weak var source: KeyDictionary?
        func clear() { ids.update(repeating: -1, count: capacity) }
        init() {
            capacity = 1024
            ids = .allocate(capacity: capacity)
            ids.initialize(repeating: -1, count: capacity)
        }
        deinit { ids.deallocate() }
        func ensure(_ n: Int) {
            guard n > capacity else { return }
            var c = capacity
            while c < n { c *= 2 }
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: c)
            p.initialize(repeating: -1, count: c)
            p.update(from: ids, count: capacity)
            ids.deallocate()
            ids = p
            capacity = c
        }
    }

    init(_ names: [String], inputSchema: Schema, dictionaries: [String: KeyDictionary]) throws(PlanError) {
        var fields: [KeyField] = []
        for name in names {
            guard let slot = inputSchema.index(of: name) else { throw PlanError.unknownField(name, in: inputSchema, context: "window key") }
            let type = inputSchema.fields[slot].type
            if let d = dictionaries[name], type == .string {
                fields.append(KeyField(name: name, slot: slot, type: type, dictionary: d, decoderEncoded: true))
            } else {
                fields.append(KeyField(name: name, slot: slot, type: type, dictionary: KeyDictionary(), decoderEncoded: false))
            }
        }
        self.fields = fields
        compositeKeys = fields.count > 1 ? KeyDictionary() : nil
    }

    var slots: [Int] { fields.map(\.slot) }

    /// What one batch's key columns offer: decoder ids and their translation tables, per field.
    struct BatchKeys {
        var column: Column?
        var translation: Translation?
        /// Several key fields: per field, the translation of its decoder ids (nil: intern the value).
        var components: [Translation?] = []
    }

    /// The translation table for a column's decoder ids, or nil if the column carries none.
    private func translation(for column: Column, in batch: Batch) -> Translation? {
        guard let ids = column.keyIDs, let foreign = column.dictionary else { return nil }
        let t = translations[ObjectIdentifier(foreign)] ?? Translation()
        translations[ObjectIdentifier(foreign)] = t
        if t.source !== foreign {
            t.clear()
            t.source = foreign
        }
        // Size the table from this batch's ids (the foreign dictionary itself may be growing on its own thread).
        let valid = column.validity, sel = batch.selection
        var maxID: Int32 = -1
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            if valid[r] != 0 && ids[r] > maxID { maxID = ids[r] }
        }
        t.ensure(Int(maxID) + 1)
        return t
    }

    /// Looks at a batch once: which key columns are dictionary-encoded, and by which dictionary?
    func prepare(_ batch: Batch) -> BatchKeys {
        if fields.count == 1 {
            guard fields[0].decoderEncoded else { return BatchKeys() }
            let column = batch.columns[fields[0].slot]
            guard column.keyIDs != nil, let d = column.dictionary else { return BatchKeys() }
            if d === fields[0].dictionary { return BatchKeys(column: column) }
            return BatchKeys(column: column, translation: translation(for: column, in: batch))
        }
        return BatchKeys(components: fields.map { f in
            let c = batch.columns[f.slot]
            return f.decoderEncoded && c.dictionary !== f.dictionary ? translation(for: c, in: batch) : nil
        })
    }

    /// The key id of row `r`, or nil if a key field is null.
    @inline(__always)
    func id(_ batch: Batch, _ r: Int, _ prepared: BatchKeys) -> Int32? {
        if let keyColumn = prepared.column {
            guard keyColumn.validity[r] != 0 else { return nil }
            guard let translation = prepared.translation else { return keyColumn.keyIDs.unsafelyUnwrapped[r] }
            return translate(keyColumn, r, translation, into: fields[0].dictionary, batch)
        }
        if fields.count == 1 { return componentID(fields[0], batch, r) }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: fields.count) { ids -> Int32? in
            for (i, k) in fields.enumerated() {
                let c = batch.columns[k.slot]
                if let t = prepared.components[i] {
                    guard c.validity[r] != 0 else { return nil }
                    ids[i] = translate(c, r, t, into: k.dictionary, batch)
                } else {
                    guard let id = componentID(k, batch, r) else { return nil }
                    ids[i] = id
                }
            }
            let raw = UnsafeRawPointer(ids.baseAddress!).assumingMemoryBound(to: UInt8.self)
            return compositeKeys!.intern(raw, fields.count * 4, readable: fields.count * 4)
        }
    }

    /// A decoder id → own id, interning the value's bytes (from the batch) on first sight.
    @inline(__always)
    private func translate(_ column: Column, _ r: Int, _ translation: Translation, into own: KeyDictionary, _ batch: Batch) -> Int32 {
        let foreignID = Int(column.keyIDs.unsafelyUnwrapped[r])
        var k = translation.ids[foreignID]
        if k < 0 {
            let s = column.strings[r]
            k = own.intern(batch.arena.base + Int(s.offset), Int(s.length), readable: 0)
            translation.ids[foreignID] = k
        }
        return k
    }

    @inline(__always)
    private func componentID(_ k: KeyField, _ batch: Batch, _ r: Int) -> Int32? {
        let c = batch.columns[k.slot]
        if c.validity[r] == 0 { return nil }
        if k.decoderEncoded, let ids = c.keyIDs, c.dictionary === k.dictionary { return ids[r] }
        switch k.type {
        case .string:
            let s = c.strings[r]
            return k.dictionary.intern(batch.arena.base + Int(s.offset), Int(s.length), readable: 0)
        case .int64, .float64:
            return withUnsafeBytes(of: c.int64[r]) { k.dictionary.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8, readable: 8) }
        case .bool:
            return withUnsafeBytes(of: c.bools[r]) { k.dictionary.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 1, readable: 1) }
        }
    }

    /// Writes key `key`'s field values into row `row` of `output` at `slots`.
    func write(_ key: Int32, into output: Batch, row: Int, slots: [Int]) {
        if fields.count == 1 {
            writeComponent(fields[0], id: key, into: output, slot: slots[0], row: row)
            return
        }
        let bytes = compositeKeys!.keyBytes(key)
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        for (i, k) in fields.enumerated() {
            writeComponent(k, id: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self), into: output, slot: slots[i], row: row)
        }
    }

    private func writeComponent(_ k: KeyField, id: Int32, into output: Batch, slot: Int, row: Int) {
        let col = output.columns[slot]
        col.validity[row] = 1
        let bytes = k.dictionary.keyBytes(id)
        switch k.type {
        case .string:
            col.strings[row] = output.arena.append(bytes.baseAddress!, bytes.count)
        case .int64, .float64:
            col.int64[row] = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(as: Int64.self)
        case .bool:
            col.bools[row] = bytes[0]
        }
    }

    /// The field ids a composite key id stands for, as `fields.count` packed `Int32`s.
    func compositeKeyBytes(_ id: Int32) -> UnsafeBufferPointer<UInt8> { compositeKeys!.keyBytes(id) }

    /// The composite id of a tuple of field ids.
    func internComposite(_ components: [Int32]) -> Int32 {
        components.withUnsafeBytes {
            compositeKeys!.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), fields.count * 4, readable: fields.count * 4)
        }
    }

    /// Number of ids in the key space (live or not).
    var idCount: Int { compositeKeys?.count ?? fields[0].dictionary.count }

    /// Bytes of the key dictionaries.
    var byteSize: Int { fields.reduce(compositeKeys?.byteSize ?? 0) { $0 + $1.dictionary.byteSize } }

    /// Rebuilds the key space with only `live` ids (each once), in that order: they become
    /// 0, 1, 2, ... Returns the old → new mapping (`-1` for dropped ids), sized ``idCount``.
    /// Translation tables start over.
    func compact(keeping live: [Int32]) -> [Int32] {
        var mapping = [Int32](repeating: -1, count: idCount)
        let newFields = fields.map { f in
            KeyField(name: f.name, slot: f.slot, type: f.type, dictionary: KeyDictionary(expectedKeys: max(16, live.count)), decoderEncoded: f.decoderEncoded)
        }
        if fields.count == 1 {
            let old = fields[0].dictionary, new = newFields[0].dictionary
            for id in live {
                let b = old.keyBytes(id)
                mapping[Int(id)] = new.intern(b.baseAddress!, b.count, readable: 0)
            }
        } else {
            let composite = KeyDictionary(expectedKeys: max(16, live.count))
            for id in live {
                let tuple = compositeKeys!.keyBytes(id)
                var newTuple = [Int32](repeating: 0, count: fields.count)
                for i in fields.indices {
                    let component = UnsafeRawPointer(tuple.baseAddress!).loadUnaligned(fromByteOffset: i * 4, as: Int32.self)
                    let b = fields[i].dictionary.keyBytes(component)
                    newTuple[i] = newFields[i].dictionary.intern(b.baseAddress!, b.count, readable: 0)
                }
                mapping[Int(id)] = newTuple.withUnsafeBytes {
                    composite.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), fields.count * 4, readable: fields.count * 4)
                }
            }
            compositeKeys = composite
        }
        fields = newFields
        translations.removeAll()
        return mapping
    }

    var explanation: String {
        fields.map { $0.decoderEncoded ? "\($0.name) (decoder ids, translated)" : "\($0.name) (interned by the window)" }.joined(separator: ", ")
    }
}
