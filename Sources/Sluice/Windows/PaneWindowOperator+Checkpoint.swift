extension PaneWindowOperator: CheckpointableOperator {
    /// Watermarks, window progress, then every open pane with each key's cell. Between batches no
    /// late correction or early update is pending, so nothing else is needed to continue.
    func saveState(to w: inout StateWriter) {
        input.saveState(to: &w)
        w.write(state.maxEventTime)
        w.write(state.firedThrough)
        let panes = state.open.sorted { $0.key < $1.key }
        w.write(panes.count)
        let keyCapacity = accumulators.keyCapacity
        for (pane, slot) in panes {
            w.write(pane)
            let keys = accumulators.touched[Int(slot)]
            w.write(keys.count)
            for key in keys {
                input.keys.saveKey(key, to: &w)
                accumulators.saveCell(Int(slot) * keyCapacity + Int(key), to: &w)
            }
        }
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try input.restoreState(from: &r)
        state.restore(maxEventTime: try r.read(), firedThrough: try r.read())
        let paneCount = try r.readInt()
        for _ in 0..<paneCount {
            let slot = state.restoreOpen(pane: try r.read())
            let keyCount = try r.readInt()
            for _ in 0..<keyCount {
                let key = try input.keys.restoreKey(from: &r)
                accumulators.ensure(keys: Int(key) + 1, slots: Int(slot) + 1)
                accumulators.touched[Int(slot)].append(key)
                try accumulators.restoreCell(Int(slot) * accumulators.keyCapacity + Int(key), from: &r)
            }
        }
        blocks?.invalidateAll()
    }
}
