import Foundation
import Testing
import SluiceML

/// SEA concepts: labels follow Street & Kim's formula, noise flips the stated
/// share, drift happens where the schedule says, and streams are deterministic.
@Suite struct SEAGeneratorTests {
    @Test(arguments: 0..<4)
    func noiseFreeLabelsMatchTheFormula(concept: Int) {
        var sea = SEAGenerator(seed: 17, schedule: .stationary(concept), noise: 0)
        let theta = SEAGenerator.thresholds[concept]
        for sample in sea.samples(5_000) {
            #expect(sample.features.count == 3)
            #expect(sample.features.allSatisfy { (0..<10).contains($0) })
            #expect(sample.label == (sample.features[0] + sample.features[1] <= theta ? 1 : 0))
            #expect(sample.concept == concept)
        }
        #expect(SEAGenerator.thresholds == [8, 9, 7, 9.5])
    }

    @Test func noiseFlipsTheStatedShareAndLeavesFeaturesAlone() {
        var clean = SEAGenerator(seed: 5, noise: 0), noisy = SEAGenerator(seed: 5, noise: 0.1)
        let a = clean.samples(20_000), b = noisy.samples(20_000)
        #expect(a.map(\.features) == b.map(\.features))
        let flipped = zip(a, b).filter { $0.label != $1.label }.count
        #expect(abs(Double(flipped) / 20_000 - 0.1) < 0.01)
    }

    @Test func equalSeedsGiveEqualStreams() {
        let schedule = DriftSchedule(changes: [.init(at: 100, to: 1), .init(at: 300, to: 2, width: 50)])
        var a = SEAGenerator(seed: 3, schedule: schedule), b = SEAGenerator(seed: 3, schedule: schedule)
        var c = SEAGenerator(seed: 4, schedule: schedule)
        let rows = a.samples(1_000)
        #expect(rows == b.samples(1_000))
        #expect(rows != c.samples(1_000))
        #expect(a == b)
        #expect(a.position == 1_000)
        // A copy continues independently, from where it was copied.
        var copy = a
        #expect(copy.samples(10) == a.samples(10))
    }

    @Test func abruptSwitchesHappenAtTheirPositions() {
        var sea = SEAGenerator(seed: 8, schedule: DriftSchedule(initialConcept: 0, changes: [
            .init(at: 1_000, to: 1), .init(at: 2_000, to: 2), .init(at: 3_000, to: 3),
        ]), noise: 0)
        let rows = sea.samples(4_000)
        for (t, row) in rows.enumerated() {
            #expect(row.concept == t / 1_000)
            #expect(row.label == SEAGenerator.label(of: row.features, concept: t / 1_000))
        }
    }

    @Test func gradualDriftFollowsTheSigmoid() {
        let width = 1_000
        var sea = SEAGenerator(seed: 9, schedule: DriftSchedule(changes: [.init(at: 10_000, to: 2, width: width)]))
        let concepts = sea.samples(20_000).map(\.concept)
        func share(_ range: Range<Int>) -> Double {
            Double(concepts[range].filter { $0 == 2 }.count) / Double(range.count)
        }
        #expect(share(0..<8_000) < 0.001)
        #expect(abs(share(9_900..<10_100) - 0.5) < 0.1)
        #expect(share(9_400..<9_600) > 0.05 && share(9_400..<9_600) < 0.2)  // sigmoid(-2) ≈ 0.12
        #expect(share(10_400..<10_600) > 0.8 && share(10_400..<10_600) < 0.95)  // ≈ 0.88
        #expect(share(12_000..<20_000) > 0.999)
    }

    @Test func csvHasTheHeaderAndRoundTripsTheNumbers() throws {
        var sea = SEAGenerator(seed: 1)
        var copy = sea
        let csv = sea.csv(rows: 50)
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "f1,f2,f3,label")
        #expect(lines.count == 52 && lines.last == "")
        for (line, sample) in zip(lines.dropFirst(), copy.samples(50)) {
            let fields = line.split(separator: ",")
            #expect(fields.count == 4)
            #expect(fields.prefix(3).map { Double($0)! } == sample.features)
            #expect(Int(fields[3]) == sample.label)
        }
        #expect(sea.csv(rows: 2, header: false).split(separator: "\n").count == 2)
    }

    @Test func iteratesAsAnEndlessSequence() {
        var a = SEAGenerator(seed: 12)
        let b = SEAGenerator(seed: 12)
        #expect(Array(b.prefix(20)) == a.samples(20))
    }
}
