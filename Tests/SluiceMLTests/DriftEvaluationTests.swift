import Foundation
import Testing
import SluiceML

/// The scoring rules of `DriftEvaluation` on hand-made detections.
@Suite struct DriftEvaluationTests {
    @Test func scoresDelaysMissesRepeatsAndFalseAlarms() {
        let e = DriftEvaluation(samples: 10_000, changePoints: [2_000, 5_000, 8_000],
                                detections: [100, 2_000, 2_050, 4_500, 9_990], horizon: 1_000)
        #expect(e.delays == [0])
        #expect(e.repeatDetections == 1)
        #expect(e.missed == 2)
        #expect(e.falseAlarms == 3)  // 100, 4 500 (after 2 000's window), 9 990 (after 8 000's)
        #expect(e.stationarySamples == 7_000)
        #expect(e.meanDelay == 0)
        #expect(abs(e.falseAlarmsPer100k - 3.0 * 100_000 / 7_000) < 1e-9)
    }

    @Test func windowsStopAtTheNextChangeAndTheEnd() {
        let e = DriftEvaluation(samples: 1_000, changePoints: [500, 600, 990], detections: [650, 995], horizon: 1_000)
        #expect(e.delays == [50, 5])
        #expect(e.missed == 1)
        #expect(e.stationarySamples == 500)
        #expect(e.falseAlarms == 0)
        #expect(DriftEvaluation(samples: 10, changePoints: [], detections: [], horizon: 1).meanDelay == nil)
    }

    @Test func runFeedsTheDetector() {
        var stream = ChangePointStream(seed: 1, .bernoulli(0.1), changes: [(5_000, .bernoulli(0.5))])
        let values = stream.values(10_000)
        var adwin = ADWIN()
        let e = DriftEvaluation.run(&adwin, on: values, changePoints: stream.changePoints, horizon: 2_000)
        #expect(e.samples == 10_000)
        #expect(e.missed == 0 && e.falseAlarms == 0)
        #expect(e.detections.count == adwin.detectionCount)
    }
}
