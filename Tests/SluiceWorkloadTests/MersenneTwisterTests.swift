import Testing
@testable import SluiceWorkload

/// Reference values printed by CPython 3.11 (`random.Random(seed)`).
struct MersenneTwisterTests {
    @Test func firstRandomsForSeed42MatchCPython() {
        var rng = MersenneTwister(seed: 42)
        let expected = [0.6394267984578837, 0.025010755222666936, 0.27502931836911926,
                        0.22321073814882275, 0.7364712141640124]
        for value in expected {
            #expect(rng.random() == value)
        }
        // gauss caches its second Box-Muller deviate: the second call draws nothing.
        #expect(rng.gauss(mu: 2100.0, sigma: 800.0) == 1349.559022853413)
        #expect(rng.gauss(mu: 2100.0, sigma: 800.0) == 587.4633534208033)
        #expect(rng.random() == 0.08693883262941615)
    }

    @Test(arguments: [
        (UInt64(0), 0.8444218515250481),
        ((UInt64(1) << 40) + 7, 0.6137037779936511),          // two key words
        (UInt64(12_345_678_901_234_567_890), 0.5120180983871961),
    ])
    func seedingMatchesCPython(seed: UInt64, first: Double) {
        var rng = MersenneTwister(seed: seed)
        #expect(rng.random() == first)
    }

    @Test func copiesForkTheStream() {
        var a = MersenneTwister(seed: 7)
        _ = a.random()
        var b = a
        #expect(a.random() == b.random())
        #expect(a.nextUInt32() == b.nextUInt32())
    }
}
