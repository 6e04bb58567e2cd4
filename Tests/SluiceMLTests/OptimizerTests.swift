import Foundation
import Testing
@testable import SluiceML

/// Each optimizer's update against hand-computed values, L2 on weights only,
/// the learning-rate schedules, and tagged JSON.
@Suite struct OptimizerTests {
    /// Applies one step to `parameters` with `gradients`, the first `regularized` being weights.
    func step(_ optimizer: inout some Optimizer, _ parameters: inout [Double], _ gradients: [Double], regularized: Int) {
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradients: g, regularizedCount: regularized) }
        }
    }

    @Test func sgdStepsAgainstTheGradientWithL2OnWeightsOnly() {
        var sgd = SGD(learningRate: .constant(0.1), l2: 0.5)
        var p = [1.0, -2.0, 3.0]
        step(&sgd, &p, [0.5, 0.5, 0.5], regularized: 2)
        #expect(p == [1 - 0.1 * (0.5 + 0.5 * 1), -2 - 0.1 * (0.5 + 0.5 * -2), 3 - 0.1 * 0.5])
        #expect(sgd.stepCount == 1 && sgd.velocity.isEmpty)
    }

    @Test func sgdMomentumAccumulatesVelocity() {
        var sgd = SGD(learningRate: .constant(0.1), momentum: 0.9)
        var p = [0.0]
        step(&sgd, &p, [1], regularized: 1)
        step(&sgd, &p, [1], regularized: 1)
        // v1 = 1, p1 = -0.1; v2 = 0.9 + 1 = 1.9, p2 = -0.1 - 0.19
        #expect(abs(p[0] - -0.29) < 1e-15)
        #expect(sgd.velocity == [1.9])
    }

    @Test func adaGradScalesByAccumulatedSquares() {
        var ada = AdaGrad(learningRate: .constant(0.5), epsilon: 1e-8)
        var p = [0.0, 0.0]
        step(&ada, &p, [2, -1], regularized: 2)
        step(&ada, &p, [2, 0], regularized: 2)
        let expected0 = -0.5 * 2 / (2 + 1e-8) - 0.5 * 2 / (sqrt(8) + 1e-8)
        #expect(abs(p[0] - expected0) < 1e-15)
        #expect(abs(p[1] - 0.5 / (1 + 1e-8)) < 1e-15)
        #expect(ada.sumOfSquares == [8, 1])
    }

    @Test func adamFirstStepIsTheRateTimesTheGradientSign() {
        var adam = Adam(learningRate: .constant(0.01))
        var p = [1.0, 1.0, 1.0]
        step(&adam, &p, [3, -0.002, 0], regularized: 3)
        // m̂ = g, v̂ = g²: each moves by rate · g / (|g| + ε).
        #expect(abs(p[0] - (1 - 0.01 * 3 / (3 + 1e-8))) < 1e-15)
        #expect(abs(p[1] - (1 + 0.01 * 0.002 / (0.002 + 1e-8))) < 1e-15)
        #expect(p[2] == 1)
        // Second step, by the formulas.
        step(&adam, &p, [1, 1, 1], regularized: 3)
        let m = 0.9 * 0.3 + 0.1 * 1, v = 0.999 * 0.009 + 0.001 * 1
        let expected = (1 - 0.01 * 3 / (3 + 1e-8)) - 0.01 * (m / (1 - 0.81)) / (sqrt(v / (1 - 0.999 * 0.999)) + 1e-8)
        #expect(abs(p[0] - expected) < 1e-14)
    }

    @Test func learningRateSchedules() {
        #expect(LearningRate.constant(0.3).rate(at: 1000) == 0.3)
        let inv = LearningRate.inverseScaling(initial: 1, power: 0.5)
        #expect(inv.rate(at: 0) == 1)
        #expect(inv.rate(at: 3) == 0.5)
        var sgd = SGD(learningRate: inv)
        var p = [0.0]
        for _ in 0..<4 { step(&sgd, &p, [1], regularized: 1) }
        #expect(abs(p[0] - -(1 + 1 / sqrt(2) + 1 / sqrt(3) + 0.5)) < 1e-15)
    }

    @Test func optimizersEncodeTaggedAndDecodeBack() throws {
        let optimizers: [any Optimizer] = [
            SGD(learningRate: .inverseScaling(initial: 0.1, power: 0.25), momentum: 0.5, l2: 1e-4),
            AdaGrad(learningRate: .constant(0.2)),
            Adam(learningRate: .constant(0.02), beta1: 0.8),
        ]
        for var optimizer in optimizers {
            var p = [1.0, 2.0]
            p.withUnsafeMutableBufferPointer { pb in [0.5, -0.25].withUnsafeBufferPointer { optimizer.step(parameters: pb, gradients: $0, regularizedCount: 1) } }
            let data = try JSONEncoder().encode(Box(optimizer: optimizer))
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\"kind\":\"\(type(of: optimizer).kind)\""))
            let back = try JSONDecoder().decode(Box.self, from: data)
            #expect(OptimizerCoding.equal(back.optimizer, optimizer))
        }
        let bad = Data(#"{"optimizer":{"kind":"rmsprop"}}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Box.self, from: bad) }
    }

    /// An `any Optimizer` in a keyed container, as the models store it.
    struct Box: Codable {
        var optimizer: any Optimizer
        init(optimizer: any Optimizer) { self.optimizer = optimizer }
        enum CodingKeys: CodingKey { case optimizer }
        init(from decoder: any Decoder) throws {
            optimizer = try OptimizerCoding.decode(from: decoder.container(keyedBy: CodingKeys.self).superDecoder(forKey: .optimizer))
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try OptimizerCoding.encode(optimizer, to: c.superEncoder(forKey: .optimizer))
        }
    }
}
