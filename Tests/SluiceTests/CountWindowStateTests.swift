import Testing
@testable import Sluice

/// The count window state machine on its own: release in event-time order, completion, flush.
@Suite struct CountWindowStateTests {
    @Test func recordsAreReleasedInEventTimeOrderOnceTheWatermarkReachesThem() {
        var s = CountWindowState(size: 2, bound: 10)
        s.enqueue(time: 20, key: 0, slot: 0)
        s.enqueue(time: 15, key: 0, slot: 1)
        s.enqueue(time: 30, key: 0, slot: 2)
        s.observe(time: 30)  // watermark 20
        let r = s.advance()
        #expect(r.placements.map(\.slot) == [1, 0])
        #expect(r.completed == [.init(cell: 0, key: 0, start: 15, end: 20)])
        #expect(s.pending.count == 1)
    }

    @Test func recordsBehindTheWatermarkAreLate() {
        let s = CountWindowState(size: 2)
        #expect(s.isLate(time: 4, watermark: 5))
        #expect(!s.isLate(time: 5, watermark: 5))
        #expect(!s.isLate(time: 0, watermark: .min))
    }

    @Test func endOfInputCompletesPartialWindows() {
        var s = CountWindowState(size: 3)
        s.enqueue(time: 1, key: 7, slot: 0)
        let r = s.finish()
        #expect(r.completed == [.init(cell: 0, key: 7, start: 1, end: 1)])
        #expect(s.open.isEmpty)
    }
}
