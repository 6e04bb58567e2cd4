import Foundation
import Testing
import SluiceML

@Suite struct DriftScheduleTests {
    @Test func cyclingSwitchesEveryPeriod() {
        let schedule = DriftSchedule.cycling(through: [0, 1, 2, 3], every: 2_500)
        #expect(schedule.changePoints == [2_500, 5_000, 7_500])
        #expect(schedule.concepts == [0, 1, 2, 3])
        var rng = Xoshiro256StarStar(seed: 1)
        #expect([0, 2_499, 2_500, 7_499, 7_500, 1_000_000].map { schedule.concept(at: $0, using: &rng) } == [0, 0, 1, 2, 3, 3])
    }

    @Test func gradualProbabilityIsTheSigmoid() {
        let change = DriftSchedule.Change(at: 1_000, to: 1, width: 400)
        let schedule = DriftSchedule(changes: [change])
        #expect(schedule.probability(of: change, at: 1_000) == 0.5)
        #expect(abs(schedule.probability(of: change, at: 800) - 1 / (1 + exp(2))) < 1e-12)
        #expect(abs(schedule.probability(of: change, at: 1_200) - 1 / (1 + exp(-2))) < 1e-12)
        let abrupt = DriftSchedule.Change(at: 1_000, to: 1)
        #expect(schedule.probability(of: abrupt, at: 999) == 0 && schedule.probability(of: abrupt, at: 1_000) == 1)
    }

    @Test func drawsOneNumberPerGradualChange() {
        let schedule = DriftSchedule(changes: [.init(at: 10, to: 1), .init(at: 20, to: 2, width: 5), .init(at: 40, to: 3, width: 5)])
        var used = Xoshiro256StarStar(seed: 2), reference = Xoshiro256StarStar(seed: 2)
        _ = schedule.concept(at: 0, using: &used)
        _ = reference.next(); _ = reference.next()
        #expect(used == reference)
    }
}
