/// Flat aggregate state for all open window cells: one buffer per statistic, indexed by cell.
///
/// Pane windows address `cell = slot × keyCapacity + keyID` (no hash map keyed by (key, window):
/// the key is already a dense id and there are only a few open panes, so a row's cell is two
/// integer operations away). Session and count windows use `keyCapacity = 1` and allocate cells
/// themselves. Buffers grow (and re-lay out) when keys or slots outgrow them; memory is
/// `slots × keys × statistics × 8` bytes.
final class WindowAccumulators {
    /// Which statistics one input field needs.
    struct Needs: OptionSet, Hashable {
        let rawValue: Int
        static let sum = Needs(rawValue: 1)
        static let min = Needs(rawValue: 2)
        static let max = Needs(rawValue: 4)
        static let welford = Needs(rawValue: 8)
        static let first = Needs(rawValue: 16)
        static let last = Needs(rawValue: 32)
        static let quantile = Needs(rawValue: 64)
        static let distinct = Needs(rawValue: 128)
    }

    /// The statistics of one field over one or more cells (a window's panes, merged).
    struct Merged {
        var n: Int64 = 0
        var sum = 0.0
        var min = Double.infinity
        var max = -Double.infinity
        var mean = 0.0
        var m2 = 0.0
        var firstTime = Int64.max, first = 0.0
        var lastTime = Int64.min, last = 0.0
        /// Sketches: the first merged cell's own object (`sketchesShared`) until a second one is
        /// merged into a copy, so a single-pane read never copies.
        var quantile: QuantileSketch?
        var distinct: DistinctCountSketch?
        var quantileShared = false
        var distinctShared = false
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
        @exclusivity(unchecked) var firstTime: UnsafeMutablePointer<Int64>?
        @exclusivity(unchecked) var first: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var lastTime: UnsafeMutablePointer<Int64>?
        @exclusivity(unchecked) var last: UnsafeMutablePointer<Double>?
        @exclusivity(unchecked) var quantiles: UnsafeMutablePointer<QuantileSketch?>?
        @exclusivity(unchecked) var distincts: UnsafeMutablePointer<DistinctCountSketch?>?
        /// A string field (only `count` and `distinct` read it): values are hashed from their bytes.
        let isString: Bool

        init(field: String, slot: Int, needs: Needs, cells: Int, isString: Bool = false) {
            self.field = field
            self.slot = slot
            self.needs = needs
            self.isString = isString
            if needs.contains(.quantile) {
                quantiles = .allocate(capacity: cells)
                quantiles!.initialize(repeating: nil, count: cells)
            }
            if needs.contains(.distinct) {
                distincts = .allocate(capacity: cells)
                distincts!.initialize(repeating: nil, count: cells)
            }
            n = .allocate(capacity: cells)
            if needs.contains(.sum) { sum = .allocate(capacity: cells) }
            if needs.contains(.min) { min = .allocate(capacity: cells) }
            if needs.contains(.max) { max = .allocate(capacity: cells) }
            if needs.contains(.welford) {
                mean = .allocate(capacity: cells)
                m2 = .allocate(capacity: cells)
            }
            if needs.contains(.first) {
                firstTime = .allocate(capacity: cells)
                first = .allocate(capacity: cells)
            }
            if needs.contains(.last) {
                lastTime = .allocate(capacity: cells)
                last = .allocate(capacity: cells)
            }
        }

        /// Cells the pointers were allocated for (sketch arrays hold references to release).
        var cellCount = 0

        deinit {
            quantiles?.deinitialize(count: cellCount)
            quantiles?.deallocate()
            distincts?.deinitialize(count: cellCount)
            distincts?.deallocate()
            n.deallocate()
            sum?.deallocate(); min?.deallocate(); max?.deallocate(); mean?.deallocate(); m2?.deallocate()
            firstTime?.deallocate(); first?.deallocate(); lastTime?.deallocate(); last?.deallocate()
        }

        var bytesPerCell: Int {
            8 + (quantiles != nil ? 8 : 0) + (distincts != nil ? 8 : 0) + (sum != nil ? 8 : 0) + (min != nil ? 8 : 0) + (max != nil ? 8 : 0) + (mean != nil ? 16 : 0)
                + (first != nil ? 16 : 0) + (last != nil ? 16 : 0)
        }

        func reset(_ cell: Int) {
            n[cell] = 0
            sum?[cell] = 0
            min?[cell] = .infinity
            max?[cell] = -.infinity
            mean?[cell] = 0
            m2?[cell] = 0
            firstTime?[cell] = .max
            lastTime?[cell] = .min
            first?[cell] = 0
            last?[cell] = 0
            quantiles?[cell] = nil
            distincts?[cell] = nil
        }

        /// Folds one value into cell `c` (count windows, which release records one at a time).
        @inline(__always)
        func add(_ v: Double, time: Int64, to c: Int) {
            n[c] &+= 1
            if let sum { sum[c] += v }
            if let min, v < min[c] { min[c] = v }
            if let max, v > max[c] { max[c] = v }
            if let mean, let m2 {
                let delta = v - mean[c]
                mean[c] += delta / Double(n[c])
                m2[c] += delta * (v - mean[c])
            }
            if let firstTime, let first, time < firstTime[c] { firstTime[c] = time; first[c] = v }
            if let lastTime, let last, time >= lastTime[c] { lastTime[c] = time; last[c] = v }
            if let quantiles { sketch(quantiles, c).insert(v) }
            if let distincts { distinctSketch(distincts, c).insert(hash: DistinctCountSketch.hash(v)) }
        }

        @inline(__always)
        func sketch(_ p: UnsafeMutablePointer<QuantileSketch?>, _ c: Int) -> QuantileSketch {
            if let s = p[c] { return s }
            let s = QuantileSketch()
            p[c] = s
            return s
        }

        @inline(__always)
        func distinctSketch(_ p: UnsafeMutablePointer<DistinctCountSketch?>, _ c: Int) -> DistinctCountSketch {
            if let s = p[c] { return s }
            let s = DistinctCountSketch()
            p[c] = s
            return s
        }

        /// Overwrites cell `c` with merged statistics.
        @inline(__always)
        func store(_ m: Merged, _ c: Int) {
            n[c] = m.n
            sum?[c] = m.sum
            min?[c] = m.min
            max?[c] = m.max
            mean?[c] = m.mean
            m2?[c] = m.m2
            firstTime?[c] = m.firstTime
            first?[c] = m.first
            lastTime?[c] = m.lastTime
            last?[c] = m.last
            quantiles?[c] = m.quantile
            distincts?[c] = m.distinct
        }

        /// Folds cell `c` into `m`. Welford states combine with Chan et al.'s formula; first/last
        /// keep the earliest/latest time (ties: the cell merged first / last, i.e. the older pane).
        @inline(__always)
        func merge(_ c: Int, into m: inout Merged) {
            let nb = n[c]
            guard nb > 0 else { return }
            let na = m.n
            m.n = na + nb
            if let sum { m.sum += sum[c] }
            if let min, min[c] < m.min { m.min = min[c] }
            if let max, max[c] > m.max { m.max = max[c] }
            if let mean, let m2 {
                if na == 0 {
                    m.mean = mean[c]
                    m.m2 = m2[c]
                } else {
                    let delta = mean[c] - m.mean
                    let total = Double(na + nb)
                    m.mean += delta * Double(nb) / total
                    m.m2 += m2[c] + delta * delta * Double(na) * Double(nb) / total
                }
            }
            if let firstTime, let first, firstTime[c] < m.firstTime {
                m.firstTime = firstTime[c]
                m.first = first[c]
            }
            if let lastTime, let last, lastTime[c] >= m.lastTime {
                m.lastTime = lastTime[c]
                m.last = last[c]
            }
            if let q = quantiles?[c] {
                if let mine = m.quantile {
                    if m.quantileShared { m.quantile = mine.copy(); m.quantileShared = false }
                    m.quantile!.merge(q)
                } else {
                    m.quantile = q
                    m.quantileShared = true
                }
            }
            if let d = distincts?[c] {
                if let mine = m.distinct {
                    if m.distinctShared { m.distinct = mine.copy(); m.distinctShared = false }
                    m.distinct!.merge(d)
                } else {
                    m.distinct = d
                    m.distinctShared = true
                }
            }
        }
    }

    @exclusivity(unchecked) private(set) var keyCapacity: Int
    @exclusivity(unchecked) private(set) var slotCapacity: Int
    /// Rows per cell (every selected row counts, nulls included).
    @exclusivity(unchecked) private(set) var rows: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private(set) var fields: [FieldStats]
    /// Keys with at least one row, per slot, in first-seen order (pane windows only).
    @exclusivity(unchecked) var touched: [[Int32]]
    let tracksTouchedKeys: Bool

    init(fields: [(name: String, slot: Int, needs: Needs)], keyCapacity: Int = 1024, slotCapacity: Int = 4, tracksTouchedKeys: Bool = true,
         stringFields: Set<String> = []) {
        self.keyCapacity = keyCapacity
        self.slotCapacity = slotCapacity
        self.tracksTouchedKeys = tracksTouchedKeys
        let cells = keyCapacity * slotCapacity
        rows = .allocate(capacity: cells)
        rows.initialize(repeating: 0, count: cells)
        self.fields = fields.map { FieldStats(field: $0.name, slot: $0.slot, needs: $0.needs, cells: cells, isString: stringFields.contains($0.name)) }
        for f in self.fields { f.cellCount = cells }
        touched = tracksTouchedKeys ? Array(repeating: [], count: slotCapacity) : []
        for f in self.fields { for c in 0..<cells { f.reset(c) } }
    }

    deinit { rows.deallocate() }

    /// Bytes of aggregate state held.
    var stateBytes: Int {
        (8 + fields.reduce(0) { $0 + $1.bytesPerCell }) * keyCapacity * slotCapacity
    }

    /// Makes room for key ids below `keys` and slots below `slots`.
    func ensure(keys: Int, slots: Int) {
        guard keys > keyCapacity || slots > slotCapacity else { return }
        var newKeys = keyCapacity, newSlots = slotCapacity
        while newKeys < keys { newKeys *= 2 }
        while newSlots < slots { newSlots *= 2 }
        let oldKeys = keyCapacity, oldSlots = slotCapacity
        rebuild(cells: newKeys * newSlots) { copy in
            for s in 0..<oldSlots { copy(s * oldKeys, s * newKeys, oldKeys) }
        }
        keyCapacity = newKeys
        slotCapacity = newSlots
        if tracksTouchedKeys, touched.count < newSlots { touched += Array(repeating: [], count: newSlots - touched.count) }
    }

    /// Moves every touched cell to its key's new id (`mapping[old]`, from ``WindowKeys/compact(keeping:)``)
    /// in arrays sized for `keys` ids: the key space shrank to the live keys.
    func remapKeys(_ mapping: [Int32], keys: Int) {
        var newKeys = 16
        while newKeys < keys { newKeys *= 2 }
        let oldKeys = keyCapacity
        rebuild(cells: newKeys * slotCapacity) { copy in
            for s in 0..<slotCapacity {
                for key in touched[s] { copy(s * oldKeys + Int(key), s * newKeys + Int(mapping[Int(key)]), 1) }
            }
        }
        for s in 0..<slotCapacity { touched[s] = touched[s].map { mapping[Int($0)] } }
        keyCapacity = newKeys
    }

    /// Replaces every buffer (`rows` and each statistic of each field) by one of `cells` cells,
    /// each holding its statistic's empty value, into which `moves` copies runs of old cells:
    /// `copy(from, to, count)`. The one place that lists the buffers for a layout change.
    private func rebuild(cells: Int, moves: ((Int, Int, Int) -> Void) -> Void) {
        let oldCells = keyCapacity * slotCapacity
        func rebuilt<T>(_ old: UnsafeMutablePointer<T>, fill: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: cells)
            p.initialize(repeating: fill, count: cells)
            moves { from, to, count in (p + to).update(from: old + from, count: count) }
            old.deinitialize(count: oldCells)
            old.deallocate()
            return p
        }
        rows = rebuilt(rows, fill: 0)
        for f in fields {
            f.n = rebuilt(f.n, fill: 0)
            if let p = f.sum { f.sum = rebuilt(p, fill: 0) }
            if let p = f.min { f.min = rebuilt(p, fill: .infinity) }
            if let p = f.max { f.max = rebuilt(p, fill: -.infinity) }
            if let p = f.mean { f.mean = rebuilt(p, fill: 0) }
            if let p = f.m2 { f.m2 = rebuilt(p, fill: 0) }
            if let p = f.firstTime { f.firstTime = rebuilt(p, fill: .max) }
            if let p = f.first { f.first = rebuilt(p, fill: 0) }
            if let p = f.lastTime { f.lastTime = rebuilt(p, fill: .min) }
            if let p = f.last { f.last = rebuilt(p, fill: 0) }
            if let p = f.quantiles { f.quantiles = rebuilt(p, fill: nil) }
            if let p = f.distincts { f.distincts = rebuilt(p, fill: nil) }
            f.cellCount = cells
        }
    }

    /// Clears a slot's touched cells after its pane is no longer needed.
    func reset(slot: Int32) {
        let base = Int(slot) * keyCapacity
        for key in touched[Int(slot)] { resetCell(base + Int(key)) }
        touched[Int(slot)].removeAll(keepingCapacity: true)
    }

    /// Clears one cell (session and count windows, which track their own cells).
    func resetCell(_ cell: Int) {
        rows[cell] = 0
        for f in fields { f.reset(cell) }
    }

    /// Counts one row in cell `c` (count windows).
    func addRow(_ c: Int) { rows[c] &+= 1 }

    /// Folds cell `from` into cell `into` and clears `from` (merging two sessions).
    func mergeCell(_ from: Int, into: Int) {
        rows[into] &+= rows[from]
        for f in fields {
            var m = Merged()
            f.merge(into, into: &m)
            f.merge(from, into: &m)
            f.store(m, into)
        }
        resetCell(from)
    }

    /// Sets cell `into` of these accumulators to `a[c] ⊕ b[d]` (either side optional): the
    /// combining step of sliding-window blocks. `a` and `b` have the same fields as `self`.
    func combine(_ a: WindowAccumulators, _ c: Int?, _ b: WindowAccumulators, _ d: Int?, into: Int) {
        rows[into] = (c.map { a.rows[$0] } ?? 0) &+ (d.map { b.rows[$0] } ?? 0)
        for (i, f) in fields.enumerated() {
            var m = Merged()
            if let c { a.fields[i].merge(c, into: &m) }
            if let d { b.fields[i].merge(d, into: &m) }
            f.store(m, into)
        }
    }

    /// Counts rows: `cells[j]` is the cell of the j-th selected row, `keys[j]` its key.
    func countRows(cells: UnsafePointer<Int>, keys: UnsafePointer<Int32>, slots: UnsafePointer<Int32>, count: Int) {
        let rows = self.rows
        if !tracksTouchedKeys {
            for j in 0..<count { rows[cells[j]] &+= 1 }
            return
        }
        for j in 0..<count {
            let c = cells[j]
            if rows[c] == 0 { touched[Int(slots[j])].append(keys[j]) }
            rows[c] &+= 1
        }
    }

    /// Folds one field's values of the selected rows into their cells; `times[j]` is the j-th
    /// selected row's event time (read only for first/last).
    func accumulate(_ f: FieldStats, values: UnsafePointer<Double>, validity: UnsafePointer<UInt8>,
                    selection: UnsafePointer<Int32>, cells: UnsafePointer<Int>, times: UnsafePointer<Int64>, count: Int) {
        let n = f.n
        if let sum = f.sum, let mn = f.min, let mx = f.max, f.mean == nil, f.first == nil, f.last == nil, f.quantiles == nil, f.distincts == nil {
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
        if let sum = f.sum, f.needs == .sum {
            // A sum (or mean) alone.
            for j in 0..<count {
                let r = Int(selection[j])
                guard validity[r] != 0 else { continue }
                let c = cells[j]
                n[c] &+= 1
                sum[c] += values[r]
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
            if let ft = f.firstTime, let fv = f.first, times[j] < ft[c] {
                ft[c] = times[j]
                fv[c] = v
            }
            if let lt = f.lastTime, let lv = f.last, times[j] >= lt[c] {
                lt[c] = times[j]
                lv[c] = v
            }
            if let qs = f.quantiles { f.sketch(qs, c).insert(v) }
            if let ds = f.distincts { f.distinctSketch(ds, c).insert(hash: DistinctCountSketch.hash(v)) }
        }
    }

    /// A string field's distinct counts: values hashed from their bytes.
    func accumulateStrings(_ f: FieldStats, _ batch: Batch, selection: UnsafePointer<Int32>, cells: UnsafePointer<Int>, count: Int) {
        let column = batch.columns[f.slot]
        guard let ds = f.distincts else { return }
        for j in 0..<count {
            let r = Int(selection[j])
            guard column.validity[r] != 0 else { continue }
            let c = cells[j]
            f.n[c] &+= 1
            let s = column.strings[r]
            f.distinctSketch(ds, c).insert(hash: DistinctCountSketch.hash(bytes: batch.arena.base + Int(s.offset), count: Int(s.length)))
        }
    }

    /// Pass 2 of every window operator: counts the kept rows and folds each statistics block's
    /// field into the rows' cells, one tight loop per block. `floatScratch` (batch capacity)
    /// holds int64 fields converted to double.
    func accumulate(_ batch: Batch, kept: Int, cells: UnsafePointer<Int>, keys: UnsafePointer<Int32>, slots: UnsafePointer<Int32>,
                    times: UnsafePointer<Int64>, floatScratch: UnsafeMutablePointer<Double>) {
        accumulate(batch, selection: batch.selection, kept: kept, cells: cells, keys: keys, slots: slots, times: times, floatScratch: floatScratch)
    }

    /// The same for the `kept` rows listed at `selection` (a part of the batch's selection).
    func accumulate(_ batch: Batch, selection sel: UnsafeMutablePointer<Int32>, kept: Int, cells: UnsafePointer<Int>, keys: UnsafePointer<Int32>,
                    slots: UnsafePointer<Int32>, times: UnsafePointer<Int64>, floatScratch: UnsafeMutablePointer<Double>) {
        countRows(cells: cells, keys: keys, slots: slots, count: kept)
        for f in fields {
            let c = batch.columns[f.slot]
            if f.isString {
                accumulateStrings(f, batch, selection: sel, cells: cells, count: kept)
                continue
            }
            let values: UnsafePointer<Double>
            if c.type == .float64 {
                values = UnsafePointer(c.float64)
            } else {
                for j in 0..<kept {
                    let r = Int(sel[j])
                    floatScratch[r] = Double(c.int64[r])
                }
                values = UnsafePointer(floatScratch)
            }
            accumulate(f, values: values, validity: c.validity, selection: sel, cells: cells, times: times, count: kept)
        }
    }
}
