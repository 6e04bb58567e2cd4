#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SluiceML

/// Exact AUC (with ties) on hand-computed examples; the whole-stream
/// approximation stays within its reported bound.
@Suite struct ROCAUCTests {
    @Test func exactAUCOnASmallExample() {
        // Positives 0.8, 0.4, 0.35; negatives 0.1, 0.35, 0.7.
        // Pairs (pos > neg): 0.8 beats all 3; 0.4 beats 0.1 and 0.35 (2); 0.35 beats 0.1 and ties 0.35 (1.5).
        // AUC = (3 + 2 + 1.5) / 9.
        let scores = [0.1, 0.4, 0.35, 0.8, 0.35, 0.7]
        let labels = [false, true, false, true, true, false]
        #expect(ROCAUC.exact(scores: scores, labels: labels) == 6.5 / 9)
        #expect(ROCAUC.exact(scores: [0.2, 0.9], labels: [false, true]) == 1)
        #expect(ROCAUC.exact(scores: [0.5, 0.5, 0.5], labels: [false, true, true]) == 0.5)
        #expect(ROCAUC.exact(scores: [0.5, 0.6], labels: [true, true]) == nil)
    }

    @Test func windowIsExactOverTheLastRows() {
        var auc = ROCAUC(windowSize: 6)
        // Rows that will leave the window: a perfectly wrong ranking.
        for (s, l) in [(0.9, false), (0.1, true), (0.95, false)] { auc.update(score: s, positive: l) }
        for (s, l) in zip([0.1, 0.4, 0.35, 0.8, 0.35, 0.7], [false, true, false, true, true, false]) { auc.update(score: s, positive: l) }
        #expect(auc.windowValue == 6.5 / 9)
        #expect(auc.positiveCount == 4 && auc.negativeCount == 5)
    }

    @Test func wholeStreamApproximationIsWithinItsBound() {
        var rng = MLTestData.Random(seed: 1)
        var auc = ROCAUC(windowSize: 100)
        var scores: [Double] = [], labels: [Bool] = []
        for _ in 0..<20_000 {
            let positive = rng.uniform() < 0.3
            // Overlapping classes, many scores near 0 and 1.
            let logit = (positive ? 1.5 : -1.5) + 2.5 * rng.gaussian()
            let score = 1 / (1 + exp(-logit))
            auc.update(score: score, positive: positive)
            scores.append(score)
            labels.append(positive)
        }
        let exact = ROCAUC.exact(scores: scores, labels: labels)!
        let approximate = auc.value!, bound = auc.errorBound!
        #expect(bound < 1e-3)
        #expect(abs(approximate - exact) <= bound)
        #expect(abs(auc.windowValue! - ROCAUC.exact(scores: scores.suffix(100), labels: labels.suffix(100))!) == 0)
    }

    @Test func scoresInDistinctBinsAreExact() {
        var auc = ROCAUC()
        for (s, l) in zip([0.1, 0.4, 0.3, 0.8, 0.6, 0.7], [false, true, false, true, true, false]) { auc.update(score: s, positive: l) }
        #expect(auc.errorBound == 0)
        #expect(auc.value == ROCAUC.exact(scores: [0.1, 0.4, 0.3, 0.8, 0.6, 0.7], labels: [false, true, false, true, true, false]))
        // Exactly equal scores share a bin and count one half, as in the exact AUC.
        var tied = ROCAUC()
        tied.update(score: 0.5, positive: true)
        tied.update(score: 0.5, positive: false)
        #expect(tied.value == 0.5 && tied.errorBound == 0.5)
    }
}
