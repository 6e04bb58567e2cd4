extension SessionWindowOperator: CheckpointableOperator {
    /// Watermarks, the key space in id order (so ids survive), the session state machine verbatim,
    /// and every cell's aggregates.
    func saveState(to w: inout StateWriter) {
        input.saveState(to: &w)
        input.keys.saveKeySpace(to: &w)
        state.saveState(to: &w)
        accumulators.saveCells(Int(state.cellCount), to: &w)
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try input.restoreState(from: &r)
        try input.keys.restoreKeySpace(from: &r)
        try state.restoreState(from: &r)
        try accumulators.restoreCells(expected: Int(state.cellCount), from: &r)
    }
}
