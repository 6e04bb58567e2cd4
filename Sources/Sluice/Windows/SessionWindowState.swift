/// The decisions of a keyed session window operator, without the data: which session a record
/// joins, which sessions merge, which records are late, and when a session is emitted and freed.
///
/// Sessions are `[first event, last event + gap)` per key; a record whose own interval
/// `[t, t + gap)` overlaps sessions of its key joins them, merging them into one. Each live
/// session owns one accumulator cell; a merge reports which cell folds into which, and the
/// operator moves the data. Methods return actions (``Assignment``, ``Firing``); no I/O.
///
/// Watermark and lateness as in ``PaneWindowState``: a record is late only when the session it
/// would join (after merging) ended more than the allowed lateness before its watermark, so
/// reordering within the out-of-orderness bound never changes any result. A session is emitted
/// when the watermark passes its end (`on_time`), and again (`late`) whenever later records change
/// it before it is freed at end + allowed lateness.
struct SessionWindowState {
    let gapMs: Int64
    let boundMs: Int64
    let latenessMs: Int64
    private(set) var maxEventTime: Int64 = .min

    struct Session: Equatable {
        var key: Int32
        var start: Int64
        var end: Int64
        /// Emitted at least once.
        var fired = false
        /// Changed since it was last emitted.
        var dirty = true
    }

    /// Live sessions by cell.
    private(set) var sessions: [Int32: Session] = [:]
    /// Live session cells per key (usually one or two).
    private var cellsOfKey: [Int32: [Int32]] = [:]
    private var cells = CellPool()
    /// Cells released during the current batch: reused only after the batch (rows of the batch
    /// may still point at them until the operator resolves merges).
    private var releasedThisBatch: [Int32] = []
    /// Cells ever handed out: every live session's cell is below it.
    var cellCount: Int32 { cells.count }
    /// Min-heap of (time, cell): when a session may need emitting (its end) or freeing (end + lateness).
    private var timers = MinHeap<Timer>()

    struct Timer: Comparable {
        var time: Int64
        var cell: Int32
        static func < (a: Timer, b: Timer) -> Bool { (a.time, a.cell) < (b.time, b.cell) }
    }

    init(gap: Int64, bound: Int64 = 0, lateness: Int64 = 0) {
        precondition(gap > 0, "session gap must be positive")
        gapMs = gap
        boundMs = bound
        latenessMs = lateness
    }

    enum Assignment: Equatable {
        /// Aggregate into `cell`. First fold each `merges` entry's `from` cell into its `into` cell.
        case cell(Int32, merges: [Merge])
        case late(sessionEnd: Int64, watermark: Int64)
    }

    struct Merge: Equatable {
        var from: Int32
        var into: Int32
    }

    /// A session to emit.
    struct Emission: Equatable {
        var cell: Int32
        var key: Int32
        var start: Int64
        var end: Int64
        var late: Bool
    }

    struct Firing: Equatable {
        var emissions: [Emission] = []
        /// Cells to clear after the emissions.
        var freedCells: [Int32] = []
    }

    func watermark(afterMax max: Int64) -> Int64 { max == .min ? .min : max &- boundMs }
    var watermark: Int64 { watermark(afterMax: maxEventTime) }

    mutating func observe(time: Int64) {
        if time > maxEventTime { maxEventTime = time }
    }

    mutating func assign(key: Int32, time t: Int64, watermark w: Int64) -> Assignment {
        let end = t &+ gapMs
        var start = t, mergedEnd = end
        var overlapping: [Int32] = []
        if let cells = cellsOfKey[key] {
            for c in cells {
                let s = sessions[c]!
                if s.start < end && t < s.end {
                    overlapping.append(c)
                    start = Swift.min(start, s.start)
                    mergedEnd = Swift.max(mergedEnd, s.end)
                }
            }
        }
        if w != .min, mergedEnd &+ latenessMs <= w {
            return .late(sessionEnd: mergedEnd, watermark: w)
        }
        guard !overlapping.isEmpty else {
            let cell = allocate()
            sessions[cell] = Session(key: key, start: t, end: end)
            cellsOfKey[key, default: []].append(cell)
            timers.push(Timer(time: end, cell: cell))
            return .cell(cell, merges: [])
        }
        // Keep the oldest cell; fold the others into it.
        overlapping.sort { sessions[$0]!.start < sessions[$1]!.start }
        let into = overlapping[0]
        var merged = sessions[into]!
        var merges: [Merge] = []
        for from in overlapping.dropFirst() {
            merged.fired = merged.fired || sessions[from]!.fired
            sessions[from] = nil
            releasedThisBatch.append(from)
            merges.append(Merge(from: from, into: into))
        }
        cellsOfKey[key]!.removeAll { overlapping.dropFirst().contains($0) }
        // A session that grows keeps its pending timer, which re-arms at the new end when it comes
        // due (see `fire`): one timer per session instead of one per extending record. Only a session
        // that had already fired and was clean needs a timer now, for its late correction.
        let needsTimer = !merged.dirty
        merged.start = start
        merged.end = mergedEnd
        merged.dirty = true
        sessions[into] = merged
        if needsTimer { timers.push(Timer(time: mergedEnd, cell: into)) }
        return .cell(into, merges: merges)
    }

    private mutating func allocate() -> Int32 { cells.allocate() }

    /// Between micro-batches: sessions the watermark passed that changed since their last
    /// emission, then the sessions past end + allowed lateness, to free.
    mutating func advance() -> Firing { fire(through: watermark) }

    /// End of input: emits every changed session and frees everything.
    mutating func finish() -> Firing { fire(through: .max) }

    /// In `maxBefore` terms (largest event time before a record): where the watermark reaches the
    /// next timer, i.e. where ``advance()`` would next emit or free something (`.max`: nothing pending).
    var nextTimerThreshold: Int64 {
        guard let t = timers.peek()?.time else { return .max }
        return t > Int64.max &- boundMs ? .max : t &+ boundMs
    }

    /// A live session (for `emit: updates`).
    func session(_ cell: Int32) -> Session? { sessions[cell] }

    /// Marks an early emission: the session is no longer dirty, but it has not fired.
    mutating func markEmittedEarly(_ cell: Int32) { sessions[cell]?.dirty = false }

    private mutating func fire(through w: Int64) -> Firing {
        var firing = Firing()
        for c in releasedThisBatch { cells.release(c) }
        releasedThisBatch.removeAll()
        guard w != .min else { return firing }
        var emitted = Set<Int32>()
        while let top = timers.peek(), top.time <= w {
            _ = timers.pop()
            guard let s = sessions[top.cell] else { continue }
            if s.end <= w, s.dirty || !s.fired {
                // Closed and changed since its last emission: on time, or a late correction.
                if emitted.insert(top.cell).inserted {
                    firing.emissions.append(Emission(cell: top.cell, key: s.key, start: s.start, end: s.end, late: s.fired))
                }
                sessions[top.cell]!.fired = true
                sessions[top.cell]!.dirty = false
                timers.push(Timer(time: w == .max ? .max : s.end &+ latenessMs, cell: top.cell))
            } else if s.fired, !s.dirty, w == .max || s.end &+ latenessMs <= w {
                sessions[top.cell] = nil
                cellsOfKey[s.key]!.removeAll { $0 == top.cell }
                if cellsOfKey[s.key]!.isEmpty { cellsOfKey[s.key] = nil }
                cells.release(top.cell)
                firing.freedCells.append(top.cell)
            } else if s.end > w {
                // The session grew since this timer was set: wait for its new end.
                timers.push(Timer(time: s.end, cell: top.cell))
            }
        }
        return firing
    }

    /// Keys with a live session, each once.
    var liveKeys: [Int32] { Array(cellsOfKey.keys) }

    /// Renames keys after the operator compacted its key space (`mapping[old] = new`).
    mutating func remapKeys(_ mapping: [Int32]) {
        var remapped: [Int32: [Int32]] = [:]
        for (key, cells) in cellsOfKey { remapped[mapping[Int(key)]] = cells }
        cellsOfKey = remapped
        for cell in Array(sessions.keys) { sessions[cell]!.key = mapping[Int(sessions[cell]!.key)] }
    }

    /// Live sessions (state size).
    var liveSessions: Int { sessions.count }

    /// Checkpoints, between batches: everything verbatim (the operator keeps key ids stable).
    func saveState(to w: inout StateWriter) {
        precondition(releasedThisBatch.isEmpty, "session state saved mid-batch")
        w.write(maxEventTime)
        cells.saveState(to: &w)
        let live = sessions.sorted { $0.key < $1.key }
        w.write(live.count)
        for (cell, s) in live {
            w.write(cell)
            w.write(s.key)
            w.write(s.start)
            w.write(s.end)
            w.write(s.fired)
            w.write(s.dirty)
        }
        let keyed = cellsOfKey.sorted { $0.key < $1.key }
        w.write(keyed.count)
        for (key, cells) in keyed {
            w.write(key)
            w.write(cells)
        }
        w.write(timers.items.map(\.time))
        w.write(timers.items.map(\.cell))
    }

    mutating func restoreState(from r: inout StateReader) throws(CheckpointError) {
        maxEventTime = try r.read()
        try cells.restoreState(from: &r)
        sessions = [:]
        for _ in 0..<(try r.readInt()) {
            let cell: Int32 = try r.read()
            sessions[cell] = Session(key: try r.read(), start: try r.read(), end: try r.read(), fired: try r.readBool(), dirty: try r.readBool())
        }
        cellsOfKey = [:]
        for _ in 0..<(try r.readInt()) {
            let key: Int32 = try r.read()
            cellsOfKey[key] = try r.readArray()
        }
        let times: [Int64] = try r.readArray(), timerCells: [Int32] = try r.readArray()
        guard times.count == timerCells.count else { throw .corrupt("session timers: \(times.count) times, \(timerCells.count) cells") }
        timers = MinHeap(heapOrdered: zip(times, timerCells).map { Timer(time: $0.0, cell: $0.1) })
    }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    /// The heap's array (heap-ordered): a checkpoint saves and restores it as is.
    private(set) var items: [Element] = []

    init() {}
    init(heapOrdered items: [Element]) { self.items = items }

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    func peek() -> Element? { items.first }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l] < items[m] { m = l }
            if r < items.count && items[r] < items[m] { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
