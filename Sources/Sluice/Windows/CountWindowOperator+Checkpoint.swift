extension CountWindowOperator: CheckpointableOperator {
    /// Watermarks, the key space in id order (so ids survive), the count-window state machine
    /// verbatim, the values of records waiting for the watermark, and every cell's aggregates.
    func saveState(to w: inout StateWriter) {
        input.saveState(to: &w)
        input.keys.saveKeySpace(to: &w)
        state.saveState(to: &w)
        saveWaitingValues(to: &w)
        let cells = Int(state.cellCount)
        w.write(cells)
        for c in 0..<cells { accumulators.saveCell(c, to: &w) }
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try input.restoreState(from: &r)
        try input.keys.restoreKeySpace(from: &r)
        try state.restoreState(from: &r)
        try restoreWaitingValues(from: &r)
        let cells = try r.readInt()
        guard cells == Int(state.cellCount) else { throw .corrupt("\(cells) count-window cells saved, \(state.cellCount) in the state") }
        accumulators.ensure(keys: 1, slots: max(1, cells))
        for c in 0..<cells { try accumulators.restoreCell(c, from: &r) }
    }
}
