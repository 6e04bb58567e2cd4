import Testing
@testable import Sluice

/// Window lifecycle as diagrams. Each line is one micro-batch of event times
/// (`|` separates the input from what the state machine did after it):
/// `late 5` = the event at 5 was late, `close 0` = window [0, size) closed.
@Suite struct TumblingWindowStateTests {
    /// Runs the state machine over the left side of `diagram` and renders the right side.
    func replay(_ diagram: String, size: Int64 = 10) -> String {
        var state = TumblingWindowState(size: size)
        var out: [String] = []
        for line in diagram.split(separator: "\n") {
            let input = line.split(separator: "|")[0].trimmingCharacters(in: " ")
            var actions: [String] = []
            if input == "end" {
                actions += state.finish().map { "close \($0.windowStart)" }
            } else {
                for token in input.split(separator: " ") {
                    let t = Int64(token)!
                    // The watermark before an event is the largest earlier event time.
                    if case .late(let start, _) = state.assign(time: t, watermark: state.maxEventTime) {
                        actions.append("late \(t)->\(start)")
                    }
                    state.observe(time: t)
                }
                actions += state.advanceWatermark().map { "close \($0.windowStart)" }
            }
            out.append((input + " | " + actions.joined(separator: ", ")).trimmingCharacters(in: " "))
        }
        return out.joined(separator: "\n")
    }

    func check(_ diagram: String, size: Int64 = 10, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = diagram.split(separator: "\n").map { $0.trimmingCharacters(in: " ") }.joined(separator: "\n")
        #expect(replay(expected, size: size) == expected, sourceLocation: sourceLocation)
    }

    @Test func inOrderEventsCloseWindowsWhenTheWatermarkPassesTheirEnd() {
        check("""
            0 3 9 |
            10 | close 0
            15 19 |
            20 35 | close 10, close 20
            end | close 30
            """)
    }

    @Test func latenessIsPerEventNotPerBatch() {
        // 3 comes after 12 in the same batch: its window [0, 10) ended at or before the watermark, 12.
        check("""
            12 3 | late 3->0
            25 | close 10
            18 21 | late 18->10
            end | close 20
            """)
    }

    @Test func disorderInsideAnOpenWindowIsFine() {
        check("""
            5 2 9 1 |
            13 11 | close 0
            end | close 10
            """)
    }

    @Test func theWindowEndIsExclusive() {
        check("""
            9 |
            10 | close 0
            9 | late 9->0
            end | close 10
            """)
    }

    @Test func negativeTimesUseFloorDivision() {
        check("""
            -1 -10 -11 | late -11->-20
            0 | close -10
            end | close 0
            """)
    }

    @Test func slotsAreReusedAfterClosing() {
        var state = TumblingWindowState(size: 10)
        for t: Int64 in [0, 10, 20, 30, 40] {
            _ = state.assign(time: t, watermark: state.maxEventTime)
            state.observe(time: t)
            _ = state.advanceWatermark()
        }
        #expect(state.slotCount <= 2)
    }
}
