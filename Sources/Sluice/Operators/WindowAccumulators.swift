/// Flat aggregate state for all open windows: one buffer per statistic,
/// indexed by `cell = slot × keyCapacity + keyID`.
///
/// No hash map keyed by (key, window): the key is already a dense id and
/// there are only a few open windows, so a row's cell is two integer
/// operations away. Buffers grow (and re-lay out) when keys or slots outgrow
/// them; memory is `slots × keys × statistics × 8` bytes.
final class WindowAccumulators {
    /// Which statistics one input field needs.
    struct Needs: OptionSet, Hashable {
        let rawValue: Int
        static let sum = Needs(rawValue: 1)
        static let min = Needs(rawValue: 2)
        static let max = Needs(rawValue: 4)
        static let welford = Needs(rawValue: 8)
    }

    /// Statistics of one input field. `n` counts its non-null values.
    final class FieldStats {
        let field: String
        let slot: Int
        let needs: Needs
        @exclusivity(unchecked) var n: UnsafeMutablePointer<Int64>
        @exclusivity(unchecked) var sum: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var min: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var max: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var mean: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var m2: UnsafeMutablePointer<Double>?

        init(field: String, slot: Int, needs: Needs, cells: Int) {
            self.field = field
            self.slot = slot
            self.needs = needs
            n = .allocate(capacity: cells)
            if needs.contains(.sum) { sum = .allocate(capacity: cells) }
            if needs.contains(.min) { min = .allocate(capacity: cells) }
            if needs.contains(.max) { max = .allocate(capacity: cells) }
            if needs.contains(.welford) {
                mean = .allocate(capacity: cells)
                m2 = .allocate(capacity: cells)
            }
        }

        deinit {
            n.deallocate()
            sum?.deallocate(); min?.deallocate(); max?.deallocate(); mean?.deallocate(); m2?.deallocate()
        }

        func reset(_ cell: Int) {
            n[cell] = 0
            sum?[cell] = 0
            min?[cell] = .infinity
            max?[cell] = -.infinity
            mean?[cell] = 0
            m2?[cell] = 0
        }
    }

    @exclusivity(unchecked) private(set) var keyCapacity: Int
    @exclusivity(unchecked) private(set) var slotCapacity: Int
    /// Rows per cell (every selected row counts, nulls included).
    @exclusivity(unchecked) private(set) var rows: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private(set) var fields: [FieldStats]
    /// Keys with at least one row, per slot, in first-seen order.
    @exclusivity(unchecked) var touched: [[Int32]]

    init(fields: [(name: String, slot: Int, needs: Needs)], keyCapacity: Int = 1024, slotCapacity: Int = 4) {
        self.keyCapacity = keyCapacity
        self.slotCapacity = slotCapacity
        let cells = keyCapacity * slotCapacity
        rows = .allocate(capacity: cells)
        rows.initialize(repeating: 0, count: cells)
        self.fields = fields.map { FieldStats(field: $0.name, slot: $0.slot, needs: $0.needs, cells: cells) }
        touched = Array(repeating: [], count: slotCapacity)
        for f in self.fields { for c in 0..<cells { f.reset(c) } }
    }

    deinit { rows.deallocate() }

    /// Bytes of aggregate state held.
    var stateBytes: Int {
        let perCell = 8 + fields.reduce(0) { acc, f in
            acc + 8 + (f.sum != nil ? 8 : 0) + (f.min != nil ? 8 : 0) + (f.max != nil ? 8 : 0) + (f.mean != nil ? 16 : 0)
        }
        return perCell * keyCapacity * slotCapacity
    }

    /// Makes room for key ids below `keys` and slots below `slots`.
    func ensure(keys: Int, slots: Int) {
        guard keys > keyCapacity || slots > slotCapacity else { return }
        var newKeys = keyCapacity, newSlots = slotCapacity
        while newKeys < keys { newKeys *= 2 }
        while newSlots < slots { newSlots *= 2 }
        let oldKeys = keyCapacity, oldSlots = slotCapacity
        let cells = newKeys * newSlots
        func relayout<T>(_ old: UnsafeMutablePointer<T>, fill: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: cells)
            p.initialize(repeating: fill, count: cells)
            for s in 0..<oldSlots {
                (p + s * newKeys).update(from: old + s * oldKeys, count: oldKeys)
            }
            old.deallocate()
            return p
        }
        rows = relayout(rows, fill: 0)
        for f in fields {
            f.n = relayout(f.n, fill: 0)
            if let p = f.sum { f.sum = relayout(p, fill: 0) }
            if let p = f.min { f.min = relayout(p, fill: .infinity) }
            if let p = f.max { f.max = relayout(p, fill: -.infinity) }
            if let p = f.mean { f.mean = relayout(p, fill: 0) }
            if let p = f.m2 { f.m2 = relayout(p, fill: 0) }
        }
        keyCapacity = newKeys
        slotCapacity = newSlots
        if touched.count < newSlots { touched += Array(repeating: [], count: newSlots - touched.count) }
    }

    /// Clears a slot's touched cells after its window was emitted.
    func reset(slot: Int32) {
        let base = Int(slot) * keyCapacity
        for key in touched[Int(slot)] {
            let cell = base + Int(key)
            rows[cell] = 0
            for f in fields { f.reset(cell) }
        }
        touched[Int(slot)].removeAll(keepingCapacity: true)
    }

    /// Counts rows: `cells[j]` is the cell of the j-th selected row, `keys[j]` its key.
    func countRows(cells: UnsafePointer<Int>, keys: UnsafePointer<Int32>, slots: UnsafePointer<Int32>, count: Int) {
        let rows = self.rows
        for j in 0..<count {
            let c = cells[j]
            if rows[c] == 0 { touched[Int(slots[j])].append(keys[j]) }
            rows[c] &+= 1
        }
    }

    /// Folds one field's values of the selected rows into their cells.
    func accumulate(_ f: FieldStats, values: UnsafePointer<Double>, validity: UnsafePointer<UInt8>,
                    selection: UnsafePointer<Int32>, cells: UnsafePointer<Int>, count: Int) {
        let n = f.n
        if let sum = f.sum, let mn = f.min, let mx = f.max, f.mean == nil {
            // The common case (sum/mean + min + max), fused into one loop.
            for j in 0..<count {
                let r = Int(selection[j])
                guard validity[r] != 0 else { continue }
                let c = cells[j], v = values[r]
                n[c] &+= 1
                sum[c] += v
                if v < mn[c] { mn[c] = v }
                if v > mx[c] { mx[c] = v }
            }
            return
        }
        for j in 0..<count {
            let r = Int(selection[j])
            guard validity[r] != 0 else { continue }
            let c = cells[j], v = values[r]
            n[c] &+= 1
            if let sum = f.sum { sum[c] += v }
            if let mn = f.min, v < mn[c] { mn[c] = v }
            if let mx = f.max, v > mx[c] { mx[c] = v }
            if let mean = f.mean, let m2 = f.m2 {
                let delta = v - mean[c]
                mean[c] += delta / Double(n[c])
                m2[c] += delta * (v - mean[c])
            }
        }
    }
}
