/// The decisions of a tumbling event-time window operator, without the data:
/// which window a timestamp falls in, which state slot holds that window,
/// when a window closes, and which events are late.
///
/// A small state machine in the style of swift-async-algorithms: methods
/// return what to do (`Assignment`, `[Closing]`); ``WindowAggregateOperator``
/// does it. No locks, no I/O, so every rule is tested directly.
///
/// Semantics: windows are `[k·size, (k+1)·size)` aligned to the epoch. The
/// watermark *before an event* is the largest event time among the events
/// that came before it (zero allowed out-of-orderness); an event is late when
/// its window's end is at or below that watermark. This is decided per event,
/// so results do not depend on where micro-batches begin and end, nor on how
/// many shards a run has. Windows are emitted between micro-batches, once the
/// watermark has reached their end.
struct TumblingWindowState {
    let size: Int64
    /// How far windows have been closed.
    private(set) var watermark: Int64 = .min
    /// The largest event time observed so far: the watermark before the next event.
    private(set) var maxEventTime: Int64 = .min
    /// Open windows: window index → state slot.
    private(set) var open: [Int64: Int32] = [:]
    private var freeSlots: [Int32] = []
    private(set) var slotCount: Int32 = 0

    init(size: Int64) {
        precondition(size > 0, "window size must be positive")
        self.size = size
    }

    enum Assignment: Equatable {
        /// Accumulate into this slot (it may have just been opened).
        case slot(Int32)
        /// The event's window `[start, start + size)` already closed at `watermark`.
        case late(windowStart: Int64, watermark: Int64)
    }

    struct Closing: Equatable {
        var windowStart: Int64
        var slot: Int32
    }

    /// The index of the window holding `time` (floor division, so negative times work).
    @inline(__always)
    func windowIndex(_ time: Int64) -> Int64 {
        time >= 0 ? time / size : (time &- size &+ 1) / size
    }

    /// Places an event, given the watermark before it. Opens its window if needed.
    mutating func assign(time: Int64, watermark eventWatermark: Int64) -> Assignment {
        let index = windowIndex(time)
        let start = index &* size
        if eventWatermark != .min, start &+ size <= eventWatermark {
            return .late(windowStart: start, watermark: eventWatermark)
        }
        if let slot = open[index] { return .slot(slot) }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slotCount
            slotCount += 1
        }
        open[index] = slot
        return .slot(slot)
    }

    /// Notes an event time seen in the current batch.
    @inline(__always)
    mutating func observe(time: Int64) {
        if time > maxEventTime { maxEventTime = time }
    }

    /// Advances the watermark to the largest time observed and returns the
    /// windows that closed, oldest first. Their slots are free for reuse as
    /// soon as the caller has emitted and reset them.
    mutating func advanceWatermark() -> [Closing] {
        guard maxEventTime > watermark else { return [] }
        watermark = maxEventTime
        let size = self.size, watermark = self.watermark
        return close { $0 &* size &+ size <= watermark }
    }

    /// End of input: closes every window, oldest first.
    mutating func finish() -> [Closing] {
        close { _ in true }
    }

    private mutating func close(where shouldClose: (Int64) -> Bool) -> [Closing] {
        var closing: [Closing] = []
        for (index, slot) in open where shouldClose(index) {
            closing.append(Closing(windowStart: index &* size, slot: slot))
        }
        closing.sort { $0.windowStart < $1.windowStart }
        for c in closing {
            open[c.windowStart / size] = nil
            freeSlots.append(c.slot)
        }
        return closing
    }
}
