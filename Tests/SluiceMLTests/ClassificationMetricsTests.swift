#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SluiceML

/// Accuracy and log loss against hand-computed values, overall and windowed.
@Suite struct ClassificationMetricsTests {
    @Test func accuracyAndLogLossByHand() {
        var m = ClassificationMetrics(classCount: 2, windowSize: 2)
        let rows: [([Double], Int)] = [([0.2, 0.8], 1), ([0.6, 0.4], 1), ([0.9, 0.1], 0), ([0.5, 0.5], 1)]
        for (p, label) in rows { m.update(probabilities: p, label: label) }
        // Predicted: 1, 0, 0, 0 (tie → lower class). Correct: yes, no, yes, no.
        #expect(m.accuracy.value == 0.5)
        #expect(m.accuracy.windowValue == 0.5)
        let losses = [-log(0.8), -log(0.4), -log(0.9), -log(0.5)]
        #expect(abs(m.logLoss.value! - losses.reduce(0, +) / 4) < 1e-15)
        #expect(abs(m.logLoss.windowValue! - (losses[2] + losses[3]) / 2) < 1e-15)
        #expect(m.rocAUC != nil)
        // Scores for class 1: 0.8 (pos), 0.4 (pos), 0.1 (neg), 0.5 (pos): every positive outranks the negative.
        #expect(m.rocAUC!.value == 1)
        #expect(m.rows == 4)
    }

    @Test func logLossIsClipped() {
        var loss = LogLoss(windowSize: 10)
        loss.update(probabilityOfTrueClass: 0)
        #expect(loss.value == -log(1e-15))
    }

    @Test func multiclassHasNoAUC() {
        var m = ClassificationMetrics(classCount: 3, windowSize: 10)
        m.update(probabilities: [0.2, 0.3, 0.5], label: 2)
        m.update(probabilities: [0.2, 0.3, 0.5], label: 1)
        #expect(m.rocAUC == nil)
        #expect(m.accuracy.value == 0.5)
        #expect(abs(m.logLoss.value! - (-log(0.5) - log(0.3)) / 2) < 1e-15)
    }

    @Test func rollingAccuracyForgetsOldRows() {
        var a = Accuracy(windowSize: 3)
        for hit in [false, false, false, true, true, true] { a.update(correct: hit) }
        #expect(a.value == 0.5)
        #expect(a.windowValue == 1)
        #expect(Accuracy(windowSize: 3).value == nil)
    }
}
