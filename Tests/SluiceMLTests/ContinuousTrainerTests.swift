import Foundation
import Testing
@testable import SluiceML

/// The trainer end to end on a stream with an abrupt concept change.
@Suite struct ContinuousTrainerTests {
    static let schedule = DriftSchedule(initialConcept: 0, changes: [.init(at: 8000, to: 1)])

    func run(_ policy: RetrainingPolicy, detector: AnyDriftDetector?, registry: ModelRegistry? = nil) throws -> (ContinuousTrainer, [Bool]) {
        var stream = HyperplaneConcepts(seed: 7, schedule: Self.schedule)
        let trainer = ContinuousTrainer(featureNames: stream.featureNames, classes: ClassLabels(count: 2), policy: policy, detector: detector,
                                        registry: registry, makeModel: { LogisticRegression(featureCount: 5, classes: ClassLabels(count: 2), optimizer: Adam(learningRate: .constant(0.005))) })
        var hits: [Bool] = []
        for s in stream.samples(14_000) {
            let before = trainer.correct
            try trainer.process(s.features, label: s.label)
            hits.append(trainer.correct > before)
        }
        return (trainer, hits)
    }

    @Test func retrainingOnDriftRecoversFasterThanContinuousLearning() throws {
        let (never, neverHits) = try run(.never, detector: nil)
        let (drift, driftHits) = try run(.onDrift(holdout: 500, replay: 200), detector: .adwin(ADWIN()))
        #expect(never.promotions == 0)
        #expect(drift.drifts >= 1)
        #expect(drift.promotions >= 1)
        let after = 8000..<10_000
        let neverAfter = neverHits[after].filter { $0 }.count, driftAfter = driftHits[after].filter { $0 }.count
        #expect(driftAfter > neverAfter, "on drift \(driftAfter) vs never \(neverAfter) correct in the 2000 records after the change")
    }

    @Test func versionsAndTriggers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-trainer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "-events.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let registry = try ModelRegistry(directory: dir)
        var stream = HyperplaneConcepts(seed: 7, schedule: Self.schedule)
        let trainer = ContinuousTrainer(featureNames: stream.featureNames, classes: ClassLabels(count: 2), policy: .onDrift(holdout: 500, replay: 200),
                                        detector: .adwin(ADWIN()), registry: registry,
                                        makeModel: { LogisticRegression(featureCount: 5, classes: ClassLabels(count: 2), optimizer: Adam(learningRate: .constant(0.005))) })
        trainer.triggers.append(try TriggerRunner(.command("cat >> '\(log)'; echo \"$SLUICE_EVENT v$SLUICE_MODEL_VERSION\" >> '\(log)'"), on: [.promotion]))
        for s in stream.samples(14_000) { try trainer.process(s.features, label: s.label) }
        let final = try trainer.finish()
        let versions = try registry.versions()
        #expect(versions.count == trainer.promotions + 1)
        #expect(try registry.current() == final)
        let promoted = try registry.load(versions[0])
        #expect(promoted.reason == "drift-promotion")
        #expect(try registry.load(final!).parent == versions[versions.count - 2])
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("\"kind\":\"promotion\""))
        #expect(text.contains("promotion v\(versions[0])"))
        #expect(trainer.triggers[0].failures == 0)
    }
}
