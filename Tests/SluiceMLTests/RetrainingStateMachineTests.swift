import Testing
@testable import SluiceML

/// The retraining decisions, driven by scripted drift signals: `.` none, `w` warning, `D` drift.
@Suite struct RetrainingStateMachineTests {
    func run(_ policy: RetrainingPolicy, _ script: String) -> [Int: [RetrainingAction]] {
        var machine = RetrainingStateMachine(policy: policy)
        var out: [Int: [RetrainingAction]] = [:]
        for (i, c) in script.enumerated() {
            let signal: DriftSignal = c == "w" ? .warning : c == "D" ? .drift : .none
            let actions = machine.record(i, signal: signal)
            if !actions.isEmpty { out[i] = actions }
        }
        return out
    }

    @Test func aWarningStartsACandidateAndADriftEvaluatesIt() {
        let actions = run(.onDrift(holdout: 3, replay: 5), "..w..D....")
        #expect(actions == [
            2: [.startCandidate(replay: 0)],
            5: [.startShadowEvaluation(records: 3)],
            8: [.decide],
        ])
    }

    @Test func aDriftWithoutWarningStartsACandidateFromRecentRecords() {
        let actions = run(.onDrift(holdout: 2, replay: 50), ".D..D..")
        #expect(actions == [1: [.startCandidate(replay: 50), .startShadowEvaluation(records: 2)], 3: [.decide], 4: [.startCandidate(replay: 50), .startShadowEvaluation(records: 2)], 6: [.decide]])
    }

    @Test func driftsDuringTheEvaluationDoNotRestartIt() {
        let actions = run(.onDrift(holdout: 4, replay: 0), "D.DD.")
        #expect(actions == [0: [.startCandidate(replay: 0), .startShadowEvaluation(records: 4)], 4: [.decide]])
    }

    @Test func aWarningThatPassesDropsTheCandidate() {
        let actions = run(.onDrift(holdout: 3, replay: 2), "w.w...")
        #expect(actions == [0: [.startCandidate(replay: 0)], 5: [.dropCandidate]])
    }

    @Test func everyNAndNever() {
        #expect(run(.everyRecords(3), "DDDDDDD") == [2: [.publish(reason: "every-n")], 5: [.publish(reason: "every-n")]])
        #expect(run(.never, "wwDD").isEmpty)
        #expect(RetrainingPolicy(parsing: "every-n:10") == .everyRecords(10))
        #expect(RetrainingPolicy(parsing: "every-n:0") == nil)
        #expect(RetrainingPolicy(parsing: "drift", holdout: 7, replay: 9) == .onDrift(holdout: 7, replay: 9))
    }
}
