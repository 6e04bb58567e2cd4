/// The decisions of a tumbling or sliding event-time window operator, without the data: which
/// pane a timestamp falls in, which state slot holds that pane, which windows fire, which
/// records are late, and when a pane's state can go.
///
/// A small state machine in the style of swift-async-algorithms: methods return what to do
/// (``Assignment``, ``Firing``); ``PaneWindowOperator`` does it. No locks, no I/O.
///
/// **Panes.** Windows are `[k·every, k·every + size)`, aligned to the epoch (tumbling: every =
/// size). Time is cut into panes of `gcd(size, every)`; a record is aggregated once, into its
/// pane, and a window's result merges the `size / pane` panes it covers. A 1-minute window
/// sliding every second costs one aggregation per record plus 60 pane merges per emitted row,
/// not 60 aggregations per record.
///
/// **Watermark.** The watermark before a record is the largest event time among the records that
/// came before it, minus ``boundMs`` (the allowed out-of-orderness). This is decided per record,
/// so results depend neither on micro-batch boundaries nor on the number of shards. Windows fire
/// once the watermark has reached their end: the operator advances the state at the first record
/// whose watermark does (before placing it), and between micro-batches.
///
/// **Lateness.** A record is late when the last window containing it ended at or before its
/// watermark. If that window ended less than ``latenessMs`` before the watermark the record still
/// counts, and every already-fired window containing it is reported for re-emission; otherwise
/// the record is rejected to the late-data output. Pane state is kept until the last window
/// containing the pane is past its end plus the allowed lateness.
struct PaneWindowState {
    let sizeMs: Int64
    let everyMs: Int64
    let paneMs: Int64
    let boundMs: Int64
    let latenessMs: Int64
    /// The largest event time observed so far (before the bound is subtracted).
    private(set) var maxEventTime: Int64 = .min
    /// Windows with index at or below this have fired.
    private(set) var firedThrough: Int64 = .min
    /// Open panes: pane index → state slot.
    private(set) var open: [Int64: Int32] = [:]
    private var slots = CellPool()

    init(size: Int64, every: Int64, bound: Int64 = 0, lateness: Int64 = 0) {
        precondition(size > 0 && every > 0, "window size and slide must be positive")
        precondition(bound >= 0 && lateness >= 0, "out-of-orderness and lateness must not be negative")
        sizeMs = size
        everyMs = every
        paneMs = Self.gcd(size, every)
        boundMs = bound
        latenessMs = lateness
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }

    /// Floor division, so negative times land in the right pane.
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    enum Assignment: Equatable {
        /// Aggregate into this pane slot. `refire` lists already-fired windows (by index) that
        /// contain the record and are still within the allowed lateness: emit them again.
        case slot(Int32, refire: ClosedRange<Int64>?)
        /// Every window containing the record ended more than the allowed lateness ago.
        case late(lastWindowEnd: Int64, watermark: Int64)
    }

    /// A window to emit: its index, start, and the slots of its panes that hold data (oldest first).
    struct FiringWindow: Equatable {
        var index: Int64
        var start: Int64
        var slots: [Int32]
        /// The index of the window's first pane.
        var firstPane: Int64
    }

    /// Between micro-batches: the windows that just closed, then the panes no window needs any
    /// more. The panes stay open (readable) until ``release(_:)``, after the windows were emitted.
    struct Firing: Equatable {
        var windows: [FiringWindow] = []
        var freedPanes: [Int64] = []
        var freedSlots: [Int32] = []
    }

    /// The watermark before a record, given the largest event time before it.
    @inline(__always)
    func watermark(afterMax max: Int64) -> Int64 { max == .min ? .min : max &- boundMs }

    /// The watermark after everything observed so far.
    var watermark: Int64 { watermark(afterMax: maxEventTime) }

    @inline(__always) func paneIndex(_ time: Int64) -> Int64 { Self.floorDiv(time, paneMs) }

    /// Window indices containing `time`.
    @inline(__always)
    func windows(containing time: Int64) -> ClosedRange<Int64> {
        (Self.floorDiv(time &- sizeMs, everyMs) &+ 1)...Self.floorDiv(time, everyMs)
    }

    /// Window indices containing any instant of pane `pane`.
    func windows(containingPane pane: Int64) -> ClosedRange<Int64> {
        let start = pane &* paneMs
        return (Self.floorDiv(start &- sizeMs, everyMs) &+ 1)...Self.floorDiv(start &+ paneMs &- 1, everyMs)
    }

    func windowStart(_ index: Int64) -> Int64 { index &* everyMs }
    func windowEnd(_ index: Int64) -> Int64 { index &* everyMs &+ sizeMs }

    /// Places a record, given the watermark before it. Opens its pane if needed.
    mutating func assign(time: Int64, watermark w: Int64) -> Assignment {
        let windows = windows(containing: time)
        let lastEnd = windowEnd(windows.upperBound)
        if w != .min, lastEnd &+ latenessMs <= w {
            return .late(lastWindowEnd: lastEnd, watermark: w)
        }
        var refire: ClosedRange<Int64>?
        if windows.lowerBound <= firedThrough {
            // Fired windows still within the lateness (the last one always is, see above).
            var first = windows.lowerBound
            while windowEnd(first) &+ latenessMs <= w { first &+= 1 }
            let last = Swift.min(firedThrough, windows.upperBound)
            if first <= last { refire = first...last }
        }
        return .slot(slot(forPane: paneIndex(time)), refire: refire)
    }

    /// Restoring a checkpoint: the progress the saved state had reached (a fresh state before).
    mutating func restore(maxEventTime: Int64, firedThrough: Int64) {
        self.maxEventTime = maxEventTime
        self.firedThrough = firedThrough
    }

    /// Restoring a checkpoint: opens pane `pane` and returns its slot.
    mutating func restoreOpen(pane: Int64) -> Int32 { slot(forPane: pane) }

    private mutating func slot(forPane pane: Int64) -> Int32 {
        if let slot = open[pane] { return slot }
        let slot = slots.allocate()
        open[pane] = slot
        return slot
    }

    /// Notes the largest event time of the micro-batch just aggregated.
    @inline(__always)
    mutating func observe(time: Int64) {
        if time > maxEventTime { maxEventTime = time }
    }

    /// The open pane slots of window `index`, oldest first.
    func slots(ofWindow index: Int64) -> [Int32] {
        let first = Self.floorDiv(windowStart(index), paneMs)
        let count = sizeMs / paneMs
        var slots: [Int32] = []
        for p in first..<(first &+ count) { if let s = open[p] { slots.append(s) } }
        return slots
    }

    /// Between micro-batches: fires the windows the watermark has passed, oldest first, and frees
    /// the panes no window needs any more.
    mutating func advance() -> Firing { fire(through: watermark) }

    /// End of input: fires every window holding data and frees every pane.
    mutating func finish() -> Firing { fire(through: .max) }

    private mutating func fire(through w: Int64) -> Firing {
        var firing = Firing()
        guard w != .min else { return firing }
        let lastToFire = w == .max ? Int64.max : Self.floorDiv(w &- sizeMs, everyMs)
        if lastToFire > firedThrough || w == .max {
            var indices = Set<Int64>()
            for pane in open.keys {
                let ws = windows(containingPane: pane)
                let lo = Swift.max(ws.lowerBound, firedThrough == .min ? .min : firedThrough &+ 1)
                let hi = Swift.min(ws.upperBound, lastToFire)
                if lo <= hi { for k in lo...hi { indices.insert(k) } }
            }
            for k in indices.sorted() {
                firing.windows.append(FiringWindow(index: k, start: windowStart(k), slots: slots(ofWindow: k),
                                                   firstPane: Self.floorDiv(windowStart(k), paneMs)))
            }
            if w == .max {
                firedThrough = indices.max() ?? firedThrough
            } else {
                firedThrough = Swift.max(firedThrough, lastToFire)
            }
        }
        var freed: [(Int64, Int32)] = []
        for (pane, slot) in open {
            let lastEnd = windowEnd(windows(containingPane: pane).upperBound)
            if w == .max || lastEnd &+ latenessMs <= w { freed.append((pane, slot)) }
        }
        freed.sort { $0.0 < $1.0 }
        for (pane, slot) in freed {
            firing.freedPanes.append(pane)
            firing.freedSlots.append(slot)
        }
        return firing
    }

    /// After the windows of `firing` were emitted: closes its freed panes; their slots are reused
    /// once the caller has reset them.
    mutating func release(_ firing: Firing) {
        for (pane, slot) in zip(firing.freedPanes, firing.freedSlots) {
            open[pane] = nil
            slots.release(slot)
        }
    }
}
