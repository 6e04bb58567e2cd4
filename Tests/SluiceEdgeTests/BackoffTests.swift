import SluiceEdge
import Testing

/// Backoff ceilings double from the initial wait up to the cap; waits are uniform below the ceiling.
@Suite struct BackoffTests {
    /// A fixed sequence of "random" numbers: each draw is the top of the range.
    struct Highest: RandomNumberGenerator {
        mutating func next() -> UInt64 { .max }
    }

    @Test func ceilingsDoubleUpToTheCapAndResetAfterSuccess() {
        var b = Backoff(initialSeconds: 0.1, maxSeconds: 1, multiplier: 2)
        var random = Highest()
        // failure:   1    2    3    4    5    6
        // ceiling:  0.1  0.2  0.4  0.8  1.0  1.0
        let waits = (0..<6).map { _ in b.next(random: &random) }
        for (wait, ceiling) in zip(waits, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]) { #expect(abs(wait - ceiling) < 1e-9, "\(waits)") }
        #expect(b.failures == 6)
        b.reset()
        #expect(b.ceilingSeconds == 0 && b.next(random: &random) <= 0.1 + 1e-9)
    }

    @Test func jitterSpreadsWaitsBelowTheCeiling() {
        var random = SystemRandomNumberGenerator()
        var waits: [Double] = []
        for _ in 0..<200 {
            var b = Backoff(initialSeconds: 1, maxSeconds: 8)
            for _ in 0..<3 { _ = b.next(random: &random) }
            waits.append(b.next(random: &random))  // ceiling 8
        }
        #expect(waits.allSatisfy { (0...8).contains($0) })
        #expect(waits.min()! < 2 && waits.max()! > 6, "full jitter: the whole range is used")
    }
}
