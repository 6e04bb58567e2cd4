extension SessionWindowOperator: CheckpointableOperator {
    /// Watermarks, the key space in id order (so ids survive), the session state machine verbatim,
    /// and every cell's aggregates.
    func saveState(to w: inout StateWriter) {
        input.saveState(to: &w)
        input.keys.saveKeySpace(to: &w)
        state.saveState(to: &w)
        let cells = Int(state.cellCount)
        w.write(cells)
        for c in 0..<cells { accumulators.saveCell(c, to: &w) }
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try input.restoreState(from: &r)
        try input.keys.restoreKeySpace(from: &r)
        try state.restoreState(from: &r)
        let cells = try r.readInt()
        guard cells == Int(state.cellCount) else { throw .corrupt("\(cells) session cells saved, \(state.cellCount) in the state") }
        accumulators.ensure(keys: 1, slots: max(1, cells))
        for c in 0..<cells { try accumulators.restoreCell(c, from: &r) }
    }
}
