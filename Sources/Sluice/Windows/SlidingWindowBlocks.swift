/// Emits sliding windows with O(1) pane merges per row instead of one merge per pane.
///
/// A window covers `P` consecutive panes. Panes are grouped into blocks of `P`; a window that
/// starts at pane `a` of block `b` is the *suffix* of block `b` from `a` plus the *prefix* of
/// block `b + 1` up to `a + P - 1` (the Two-Stacks idea of sliding aggregation, over panes and all
/// keys at once). Suffixes of a block are computed once, right to left, when its first window
/// fires; the prefix of the next block grows by one pane per window. So a 60-pane window costs a
/// couple of merges per output row, amortized, instead of 60.
///
/// A record that lands in a pane already folded into a suffix or the prefix (a late record within
/// the out-of-orderness or lateness bounds) invalidates it; it is recomputed when next needed.
/// Only on-time firings use the blocks; late corrections and early updates merge panes directly.
final class SlidingWindowBlocks {
    let panesPerWindow: Int64
    /// `P` suffix slots (one per pane offset in the block) and one prefix slot, per key.
    let aux: WindowAccumulators
    private var suffixBlock: Int64?
    private var suffixKeys: [Int32] = []
    private var prefixBlock: Int64?
    /// The last pane folded into the prefix.
    private var prefixEnd: Int64 = 0
    private var prefixKeys: [Int32] = []
    private var prefixStamps: [Int64] = []
    private var suffixStamps: [Int64] = []
    private var listed: [Int64] = []
    private var stamp: Int64 = 0
    private let empty: WindowAccumulators

    init(panesPerWindow: Int64, fields: [(name: String, slot: Int, needs: WindowAccumulators.Needs)], stringFields: Set<String>) {
        self.panesPerWindow = panesPerWindow
        aux = WindowAccumulators(fields: fields, keyCapacity: 1024, slotCapacity: Int(panesPerWindow) + 1, tracksTouchedKeys: false, stringFields: stringFields)
        empty = WindowAccumulators(fields: fields, keyCapacity: 1, slotCapacity: 1, tracksTouchedKeys: false)
    }

    var stateBytes: Int { aux.stateBytes }

    /// The key ids changed (compaction): everything is recomputed when next needed.
    func invalidateAll() {
        suffixBlock = nil
        prefixBlock = nil
        suffixKeys.removeAll()
        prefixKeys.removeAll()
        prefixStamps.removeAll()
        suffixStamps.removeAll()
        listed.removeAll()
    }

    /// A record landed in pane `pane`: drop whatever was computed from it.
    @inline(__always)
    func touch(pane: Int64) {
        let block = PaneWindowState.floorDiv(pane, panesPerWindow)
        if block == suffixBlock { suffixBlock = nil }
        if block == prefixBlock, pane <= prefixEnd { prefixBlock = nil }
    }

    private func grow(_ stamps: inout [Int64], _ n: Int) {
        if stamps.count < n { stamps += Array(repeating: 0, count: n - stamps.count) }
    }

    /// Emits window `start` … (covering panes `firstPane ..< firstPane + P`) for every key with data.
    func emitWindow(firstPane a: Int64, start: Int64, state: PaneWindowState, main: WindowAccumulators,
                    emitter: WindowEmitter, emit: (Batch) throws -> Void) throws {
        let p = panesPerWindow
        let keyCapacity = main.keyCapacity
        aux.ensure(keys: keyCapacity, slots: Int(p) + 1)
        grow(&prefixStamps, keyCapacity)
        grow(&suffixStamps, keyCapacity)
        grow(&listed, keyCapacity)
        let block = PaneWindowState.floorDiv(a, p)
        let offset = a - block * p
        if suffixBlock != block { computeSuffixes(block: block, state: state, main: main) }
        let needsPrefix = offset > 0
        if needsPrefix { extendPrefix(block: block + 1, through: a + p - 1, state: state, main: main) }
        let auxKeys = aux.keyCapacity
        let prefixSlot = Int(p)
        stamp += 1
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: 2) { cells in
            func row(_ key: Int32) throws {
                guard listed[Int(key)] != stamp else { return }
                listed[Int(key)] = stamp
                var n = 0
                if suffixStamps[Int(key)] == suffixStamp {
                    let c = Int(offset) * auxKeys + Int(key)
                    if aux.rows[c] > 0 { cells[n] = c; n += 1 }
                }
                if needsPrefix, prefixStamps[Int(key)] == prefixStamp {
                    let c = prefixSlot * auxKeys + Int(key)
                    if aux.rows[c] > 0 { cells[n] = c; n += 1 }
                }
                guard n > 0 else { return }
                try emitter.writeRow(key: key, start: start, end: nil, timing: .onTime,
                                     cells: UnsafeBufferPointer(rebasing: cells[0..<n]), of: aux, emit: emit)
            }
            for key in suffixKeys { try row(key) }
            if needsPrefix { for key in prefixKeys { try row(key) } }
        }
    }

    private var suffixStamp: Int64 = 0
    private var prefixStamp: Int64 = 0

    /// Suffix aggregates of every pane offset of `block`, for every key with data in the block.
    private func computeSuffixes(block: Int64, state: PaneWindowState, main: WindowAccumulators) {
        let p = panesPerWindow
        let auxKeys = aux.keyCapacity, mainKeys = main.keyCapacity
        suffixStamp += 1
        suffixKeys.removeAll(keepingCapacity: true)
        var slots: [Int32?] = []
        for o in 0..<p {
            let slot = state.open[block * p + o]
            slots.append(slot)
            if let slot {
                for key in main.touched[Int(slot)] where suffixStamps[Int(key)] != suffixStamp {
                    suffixStamps[Int(key)] = suffixStamp
                    suffixKeys.append(key)
                }
            }
        }
        for key in suffixKeys {
            var next: Int? = nil
            for o in stride(from: Int(p) - 1, through: 0, by: -1) {
                let into = o * auxKeys + Int(key)
                let pane = slots[o].map { Int($0) * mainKeys + Int(key) }
                aux.combine(main, pane, aux, next, into: into)
                next = into
            }
        }
        suffixBlock = block
    }

    /// Grows the prefix of `block` up to pane `last` (inclusive), starting over if it belongs to another block.
    private func extendPrefix(block: Int64, through last: Int64, state: PaneWindowState, main: WindowAccumulators) {
        let p = panesPerWindow
        let auxKeys = aux.keyCapacity, mainKeys = main.keyCapacity
        let prefixSlot = Int(p)
        if prefixBlock != block || last < prefixEnd {
            prefixStamp += 1
            prefixKeys.removeAll(keepingCapacity: true)
            prefixBlock = block
            prefixEnd = block * p - 1
        }
        while prefixEnd < last {
            prefixEnd += 1
            guard let slot = state.open[prefixEnd] else { continue }
            for key in main.touched[Int(slot)] {
                let into = prefixSlot * auxKeys + Int(key)
                let pane = Int(slot) * mainKeys + Int(key)
                if prefixStamps[Int(key)] != prefixStamp {
                    prefixStamps[Int(key)] = prefixStamp
                    prefixKeys.append(key)
                    aux.combine(main, pane, empty, nil, into: into)
                } else {
                    aux.combine(aux, into, main, pane, into: into)
                }
            }
        }
    }
}
