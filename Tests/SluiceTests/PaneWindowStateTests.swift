import Testing
@testable import Sluice

/// The pane window state machine on its own: assignments, firing, lateness and freeing.
@Suite struct PaneWindowStateTests {
    @Test func panesAreTheGcdOfSizeAndSlide() {
        #expect(PaneWindowState(size: 60, every: 10).paneMs == 10)
        #expect(PaneWindowState(size: 25, every: 10).paneMs == 5)
        #expect(PaneWindowState(size: 10, every: 10).paneMs == 10)
    }

    @Test func windowsContainingATime() {
        let s = PaneWindowState(size: 30, every: 10)
        #expect(s.windows(containing: 25) == 0...2)  // [0,30) [10,40) [20,50)
        #expect(s.windows(containing: -1) == -3...(-1))
        #expect(s.windowStart(-1) == -10)
    }

    @Test func firesInOrderAndFreesPanesNoWindowNeeds() {
        var s = PaneWindowState(size: 20, every: 10)
        guard case .slot(let a, nil) = s.assign(time: 5, watermark: .min) else { Issue.record("not placed"); return }
        guard case .slot(let b, nil) = s.assign(time: 15, watermark: 5) else { Issue.record("not placed"); return }
        s.observe(time: 15)
        var firing = s.advance()  // watermark 15: [-10,10) closes
        #expect(firing.windows.map(\.start) == [-10])
        #expect(firing.windows[0].slots == [a])
        #expect(firing.freedSlots.isEmpty)  // pane [0,10) is still in [0,20)
        s.release(firing)
        s.observe(time: 20)
        firing = s.advance()  // watermark 20: [0,20) closes; pane [0,10) is no longer needed
        #expect(firing.windows.map(\.start) == [0])
        #expect(firing.windows[0].slots == [a, b])
        #expect(firing.freedSlots == [a])
        s.release(firing)
        #expect(s.open.count == 1)
    }

    @Test func lateWithinTheLatenessAsksToRefire() {
        var s = PaneWindowState(size: 10, every: 10, lateness: 20)
        _ = s.assign(time: 1, watermark: .min)
        s.observe(time: 25)
        s.release(s.advance())
        #expect(s.assign(time: 4, watermark: 25) == .slot(0, refire: 0...0))
        #expect(s.assign(time: 4, watermark: 30) == .late(lastWindowEnd: 10, watermark: 30))
    }

    @Test func theBoundShiftsTheWatermark() {
        var s = PaneWindowState(size: 10, every: 10, bound: 5)
        _ = s.assign(time: 12, watermark: .min)
        s.observe(time: 12)
        #expect(s.watermark == 7)
        #expect(s.assign(time: 8, watermark: s.watermark(afterMax: 12)) == .slot(1, refire: nil))
    }
}
