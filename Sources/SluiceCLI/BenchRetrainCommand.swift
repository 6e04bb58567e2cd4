import ArgumentParser
import Foundation
import Sluice
import SluiceML

/// Retraining on drift against never retraining, on a stream of unrelated hyperplane concepts
/// with abrupt and gradual drift (``HyperplaneConcepts``): accuracy per segment, accuracy right
/// after each change, and how many records each approach needs to recover.
struct BenchRetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-retrain",
        abstract: "Compare retraining on drift (ADWIN + shadow evaluation) with continuous learning alone on a drifting stream.")

    @Option(help: "Records per concept segment.")
    var segment: Int = 20_000

    @Option(help: "Width of the gradual change (records).")
    var gradualWidth: Int = 4_000

    @Option(help: "Label noise of the stream.")
    var noise: Double = 0.05

    @Option(help: "Adam learning rate of every model (a production model learns slowly, for stability).")
    var learningRate: Double = 0.005

    @Option(help: "Random seed.")
    var seed: UInt64 = 7

    @Option(help: "Records after each change over which 'accuracy after the change' is measured.")
    var after: Int = 2_000

    struct Curve {
        var name: String
        var hits: [Bool] = []
        var drifts = 0, promotions = 0, rejections = 0
        var seconds = 0.0
    }

    func run() throws {
        // Concept 0, then abrupt switches to concepts 1 and 2, then a gradual one to concept 3.
        let changes: [DriftSchedule.Change] = [
            .init(at: segment, to: 1), .init(at: 2 * segment, to: 2), .init(at: 3 * segment, to: 3, width: gradualWidth),
        ]
        let total = 4 * segment
        let schedule = DriftSchedule(initialConcept: 0, changes: changes)
        var stream = HyperplaneConcepts(seed: seed, schedule: schedule, noise: noise)
        let samples = stream.samples(total)
        let classes = ClassLabels(count: 2)
        let d = stream.dimensions, rate = learningRate

        func train(_ name: String, policy: RetrainingPolicy, detector: AnyDriftDetector?) throws -> Curve {
            let trainer = ContinuousTrainer(featureNames: stream.featureNames, classes: classes, policy: policy, detector: detector, registry: nil,
                                            makeModel: { LogisticRegression(featureCount: d, classes: classes, optimizer: Adam(learningRate: .constant(rate))) })
            var curve = Curve(name: name)
            curve.hits.reserveCapacity(total)
            let start = monotonicSeconds()
            for s in samples {
                let before = trainer.correct
                try trainer.process(s.features, label: s.label)
                curve.hits.append(trainer.correct > before)
            }
            curve.seconds = monotonicSeconds() - start
            curve.drifts = trainer.drifts
            curve.promotions = trainer.promotions
            curve.rejections = trainer.events.filter { $0.kind == .candidateRejected }.count
            return curve
        }

        let never = try train("continuous learning, never retrain", policy: .never, detector: nil)
        let drift = try train("retrain on drift (ADWIN, shadow eval 500)", policy: .onDrift(holdout: 500, replay: 200), detector: .adwin(ADWIN()))

        func accuracy(_ c: Curve, _ range: Range<Int>) -> Double {
            let r = range.clamped(to: 0..<c.hits.count)
            return r.isEmpty ? 0 : Double(c.hits[r].filter { $0 }.count) / Double(r.count)
        }
        /// Records after `change` until the accuracy over the last 500 records is back within one point of
        /// the accuracy over the 2000 records before the change (nil: not within the segment).
        func recovery(_ c: Curve, change: Int, end: Int) -> Int? {
            let target = accuracy(c, (change - 2000)..<change) - 0.01
            var hitsInWindow = 0
            for i in change..<end {
                hitsInWindow += c.hits[i] ? 1 : 0
                if i - 500 >= change { hitsInWindow -= c.hits[i - 500] ? 1 : 0 }
                if i - change >= 499, Double(hitsInWindow) / 500 >= target { return i - change + 1 }
            }
            return nil
        }

        print("sluice bench-retrain: \(total) records of \(d)-dimensional hyperplane concepts, noise \(noise), seed \(seed); "
            + "abrupt changes at \(segment) and \(2 * segment), gradual over \(gradualWidth) records from \(3 * segment)")
        print("logistic regression (online standard scaler, Adam \(rate)), prequential: each record predicted, then learned")
        print("")
        let header = "approach".padding(toLength: 44, withPad: " ", startingAt: 0) + "overall   segment 1..4 accuracy               drifts  promoted  rejected  samples/s"
        print(header)
        for c in [never, drift] {
            let segments: String = (0..<4).map { fixed(accuracy(c, ($0 * segment)..<(($0 + 1) * segment)) * 100, 2) }.joined(separator: " / ")
            let overall: String = fixed(accuracy(c, 0..<total) * 100, 2)
            var text: String = c.name.padding(toLength: 44, withPad: " ", startingAt: 0)
            text += overall + " %   " + segments + " %   "
            text += String(c.drifts).padding(toLength: 8, withPad: " ", startingAt: 0)
            text += String(c.promotions).padding(toLength: 10, withPad: " ", startingAt: 0)
            text += String(c.rejections).padding(toLength: 10, withPad: " ", startingAt: 0)
            text += formatRate(Double(total) / c.seconds)
            print(text)
        }
        print("")
        print("after each change: accuracy over the next \(after) records, and records until the last-500 accuracy is back within 1 point of before the change")
        for (i, change) in changes.enumerated() {
            let end = i + 1 < changes.count ? changes[i + 1].position : total
            let kind = change.width > 0 ? "gradual" : "abrupt"
            var text = "  change \(i + 1) (\(kind), record \(change.position)):"
            for c in [never, drift] {
                let rec = recovery(c, change: change.position, end: end).map { "\($0) records" } ?? "not within the segment"
                text += "  \(c === never ? "never" : "on drift"): \(fixed(accuracy(c, change.position..<(change.position + after)) * 100, 2)) %, recovered in \(rec);"
            }
            print(text)
        }
    }
}

private func === (a: BenchRetrainCommand.Curve, b: BenchRetrainCommand.Curve) -> Bool { a.name == b.name }
