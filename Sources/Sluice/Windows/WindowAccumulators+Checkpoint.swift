extension WindowAccumulators {
    /// Writes cell `c`: its row count and each field's statistics, sketches included.
    func saveCell(_ c: Int, to w: inout StateWriter) {
        w.write(rows[c])
        for f in fields {
            w.write(f.n[c])
            if let p = f.sum { w.write(p[c]) }
            if let p = f.min { w.write(p[c]) }
            if let p = f.max { w.write(p[c]) }
            if let p = f.mean, let q = f.m2 { w.write(p[c]); w.write(q[c]) }
            if let p = f.firstTime, let q = f.first { w.write(p[c]); w.write(q[c]) }
            if let p = f.lastTime, let q = f.last { w.write(p[c]); w.write(q[c]) }
            if let p = f.quantiles {
                w.write(p[c] != nil)
                p[c]?.saveState(to: &w)
            }
            if let p = f.distincts {
                w.write(p[c] != nil)
                p[c]?.saveState(to: &w)
            }
        }
    }

    /// Cells `0..<count` (session and count windows, whose cells are dense), with their count.
    func saveCells(_ count: Int, to w: inout StateWriter) {
        w.write(count)
        for c in 0..<count { saveCell(c, to: &w) }
    }

    /// Reads what ``saveCells(_:to:)`` wrote; `expected` is the cell count the restored state machine holds.
    func restoreCells(expected: Int, from r: inout StateReader) throws(CheckpointError) {
        let count = try r.readInt()
        guard count == expected else { throw .corrupt("\(count) window cells saved, \(expected) in the restored state") }
        ensure(keys: 1, slots: max(1, count))
        for c in 0..<count { try restoreCell(c, from: &r) }
    }

    /// Reads a cell written by ``saveCell(_:to:)`` (same fields) into cell `c`.
    func restoreCell(_ c: Int, from r: inout StateReader) throws(CheckpointError) {
        rows[c] = try r.read()
        for f in fields {
            f.n[c] = try r.read()
            if let p = f.sum { p[c] = try r.read() }
            if let p = f.min { p[c] = try r.read() }
            if let p = f.max { p[c] = try r.read() }
            if let p = f.mean, let q = f.m2 { p[c] = try r.read(); q[c] = try r.read() }
            if let p = f.firstTime, let q = f.first { p[c] = try r.read(); q[c] = try r.read() }
            if let p = f.lastTime, let q = f.last { p[c] = try r.read(); q[c] = try r.read() }
            if let p = f.quantiles { p[c] = try r.readBool() ? try QuantileSketch.restoreState(from: &r) : nil }
            if let p = f.distincts { p[c] = try r.readBool() ? try DistinctCountSketch.restoreState(from: &r) : nil }
        }
    }
}
