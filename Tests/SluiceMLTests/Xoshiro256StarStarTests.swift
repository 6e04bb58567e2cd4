import Foundation
import Testing
import SluiceML

/// The random sources behind the synthetic streams: reference vectors, so the
/// streams are the same on every platform, and basic distribution checks.
@Suite struct Xoshiro256StarStarTests {
    @Test func splitMix64ReferenceVector() {
        var mix = SplitMix64(seed: 0)
        #expect(mix.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func xoshiroReferenceVector() {
        // Blackman & Vigna's reference implementation from the state {1, 2, 3, 4}.
        var rng = Xoshiro256StarStar(state: 1, 2, 3, 4)
        #expect([rng.next(), rng.next(), rng.next(), rng.next()] == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    @Test func equalSeedsGiveEqualSequences() throws {
        var a = Xoshiro256StarStar(seed: 99), b = Xoshiro256StarStar(seed: 99), c = Xoshiro256StarStar(seed: 100)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
        var restored = try driftJSONRoundTrip(a)
        #expect(restored.next() == a.next())
    }

    @Test func uniformAndGaussianMoments() {
        var rng = Xoshiro256StarStar(seed: 1)
        let n = 100_000
        let u = (0..<n).map { _ in rng.nextUniform() }
        #expect(u.allSatisfy { (0..<1).contains($0) })
        #expect(abs(u.reduce(0, +) / Double(n) - 0.5) < 0.005)
        let g = (0..<n).map { _ in rng.nextGaussian(mean: 2, standardDeviation: 3) }
        let mean = g.reduce(0, +) / Double(n)
        let sd = (g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        #expect(abs(mean - 2) < 0.05)
        #expect(abs(sd - 3) < 0.05)
        #expect(g.allSatisfy { $0.isFinite })
    }
}
