import Testing
@testable import Sluice

/// The session state machine on its own: joining, merging, emitting and freeing sessions.
@Suite struct SessionWindowStateTests {
    @Test func recordsWithinTheGapJoinOneSession() {
        var s = SessionWindowState(gap: 10)
        #expect(s.assign(key: 0, time: 1, watermark: .min) == .cell(0, merges: []))
        #expect(s.assign(key: 0, time: 8, watermark: 1) == .cell(0, merges: []))
        #expect(s.assign(key: 0, time: 17, watermark: 8) == .cell(0, merges: []))  // 17 < 8 + 10
        #expect(s.assign(key: 0, time: 27, watermark: 17) == .cell(1, merges: []))  // 27 = 17 + 10: a new session
        #expect(s.assign(key: 1, time: 2, watermark: .min) == .cell(2, merges: []))  // another key: its own session
        #expect(s.session(0)?.end == 27)
    }

    @Test func aBridgingRecordMergesIntoTheOldestSession() {
        var s = SessionWindowState(gap: 10, bound: 30)
        _ = s.assign(key: 0, time: 1, watermark: .min)
        _ = s.assign(key: 0, time: 18, watermark: .min)
        #expect(s.assign(key: 0, time: 9, watermark: .min) == .cell(0, merges: [.init(from: 1, into: 0)]))
        #expect(s.session(0) == .init(key: 0, start: 1, end: 28, fired: false, dirty: true))
        #expect(s.liveSessions == 1)
    }

    @Test func closedSessionsAreEmittedThenFreed() {
        var s = SessionWindowState(gap: 10, lateness: 5)
        _ = s.assign(key: 0, time: 1, watermark: .min)
        s.observe(time: 11)
        var f = s.advance()
        #expect(f.emissions == [.init(cell: 0, key: 0, start: 1, end: 11, late: false)])
        #expect(f.freedCells.isEmpty)  // kept for the allowed lateness
        #expect(s.assign(key: 0, time: 3, watermark: 11) == .cell(0, merges: []))
        s.observe(time: 16)
        f = s.advance()
        #expect(f.emissions == [.init(cell: 0, key: 0, start: 1, end: 13, late: true)])
        #expect(s.assign(key: 0, time: 2, watermark: 18) == .late(sessionEnd: 13, watermark: 18))
        s.observe(time: 18)
        f = s.advance()
        #expect(f.freedCells == [0])
    }
}
