/// Hands out dense state indices (pane slots, session and count-window cells) and takes them
/// back for reuse, so accumulator arrays stay as large as the most ever live at once.
struct CellPool: Sendable {
    private var free: [Int32] = []
    /// Indices ever handed out: every index is below it.
    private(set) var count: Int32 = 0

    mutating func allocate() -> Int32 {
        if let c = free.popLast() { return c }
        count += 1
        return count - 1
    }

    /// Makes `cell` available again (its accumulator cell must be cleared before it is reused).
    mutating func release(_ cell: Int32) { free.append(cell) }

    func saveState(to w: inout StateWriter) {
        w.write(free)
        w.write(count)
    }

    mutating func restoreState(from r: inout StateReader) throws(CheckpointError) {
        free = try r.readArray()
        count = try r.read()
        guard count >= 0, free.allSatisfy({ $0 >= 0 && $0 < count }) else { throw .corrupt("cell pool of \(count) with free cells out of range") }
    }
}
