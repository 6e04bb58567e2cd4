import Foundation
import Testing
@testable import SluiceML

/// Squared-loss gradient against finite differences, convergence to known
/// weights, mini-batch equivalence, and an exact JSON round trip.
@Suite struct LinearRegressionTests {
    @Test(arguments: [true, false])
    func gradientMatchesFiniteDifferences(standardize: Bool) {
        let d = 4
        var model = LinearRegression(featureCount: d, optimizer: SGD(learningRate: .constant(0.01)), standardize: standardize)
        let train = MLTestData.gaussianRows(100, d, seed: 1, mean: 5, std: 2)
        let targets = MLTestData.linearTargets(train, weights: [1, 2, 3, 4], intercept: 5, noise: 0.1, seed: 2)
        train.withUnsafeBufferPointer { r in targets.withUnsafeBufferPointer { model.learn(rows: r, targets: $0) } }
        let rows = MLTestData.gaussianRows(10, d, seed: 3, mean: 5, std: 2)
        let y = (0..<10).map { Double($0) }
        rows.withUnsafeBufferPointer { r in
            y.withUnsafeBufferPointer { t in
                let analytic = model.gradient(rows: r, targets: t)
                let h = 1e-5
                for i in 0..<(d + 1) {
                    var plus = model, minus = model
                    plus.parameters[i] += h
                    minus.parameters[i] -= h
                    let numeric = (plus.loss(rows: r, targets: t) - minus.loss(rows: r, targets: t)) / (2 * h)
                    #expect(abs(numeric - analytic[i]) < 1e-6 * max(1, abs(numeric)), "parameter \(i): \(numeric) vs \(analytic[i])")
                }
            }
        }
    }

    @Test func convergesToTheGeneratingWeights() {
        let d = 4, n = 50_000
        let truth = [2.0, -1.0, 0.5, 3.0], bias = 4.0
        let rows = MLTestData.gaussianRows(n, d, seed: 4)
        let targets = MLTestData.linearTargets(rows, weights: truth, intercept: bias, noise: 0.5, seed: 5)
        var model = LinearRegression(featureCount: d, optimizer: SGD(learningRate: .inverseScaling(initial: 0.05, power: 0.25)), standardize: false)
        rows.withUnsafeBufferPointer { r in
            for i in 0..<n { model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: targets[i]) }
        }
        for j in 0..<d { #expect(abs(model.weights[j] - truth[j]) < 0.05, "weight \(j): \(model.weights[j])") }
        #expect(abs(model.intercept - bias) < 0.05)
    }

    @Test func standardizedModelPredictsWellOnUnscaledFeatures() {
        // Features far from zero with very different scales: the scaler makes one rate work.
        let d = 3, n = 20_000
        var rng = MLTestData.Random(seed: 6)
        var rows: [Double] = []
        for _ in 0..<n {
            let a: Double = 1000 + 100 * rng.gaussian()
            let b: Double = 0.01 * rng.gaussian()
            let c: Double = 50 + rng.gaussian()
            rows += [a, b, c]
        }
        let targets = MLTestData.linearTargets(rows, weights: [0.02, 300, -2], intercept: 10, noise: 0.1, seed: 7)
        var model = LinearRegression(featureCount: d)
        rows.withUnsafeBufferPointer { r in
            for i in 0..<n { model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: targets[i]) }
        }
        let test = [1100.0, 0.02, 49.0]
        let expected: Double = 0.02 * 1100.0 + 300.0 * 0.02 - 2.0 * 49.0 + 10.0
        #expect(abs(model.predict(test) - expected) < 0.3)
    }

    @Test func batchOfOneIsIdenticalToOneAtATime() {
        let d = 5, n = 300
        let rows = MLTestData.gaussianRows(n, d, seed: 8, mean: -3, std: 5)
        let targets = MLTestData.linearTargets(rows, weights: [1, 1, 1, 1, 1], intercept: 0, noise: 1, seed: 9)
        var single = LinearRegression(featureCount: d, optimizer: AdaGrad(learningRate: .constant(0.3), l2: 0.01))
        var batched = single
        rows.withUnsafeBufferPointer { r in
            targets.withUnsafeBufferPointer { t in
                for i in 0..<n {
                    single.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: t[i])
                    batched.learn(rows: UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), targets: UnsafeBufferPointer(rebasing: t[i..<(i + 1)]))
                }
            }
        }
        #expect(MLTestData.identical(single.parameters, batched.parameters))
        #expect(single == batched)
    }

    @Test func jsonRoundTripPredictsAndLearnsIdentically() throws {
        let d = 3
        var model = LinearRegression(featureCount: d, optimizer: Adam(learningRate: .constant(0.05), l2: 1e-3), featureNames: ["x", "y", "z"])
        let rows = MLTestData.gaussianRows(400, d, seed: 10, mean: 7, std: 3)
        let targets = MLTestData.linearTargets(rows, weights: [0.5, -0.5, 2], intercept: 1, noise: 0.2, seed: 11)
        rows.withUnsafeBufferPointer { r in
            for i in 0..<200 { model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: targets[i]) }
        }
        let data = try JSONEncoder().encode(model)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"model\":\"linear_regression\"") && text.contains("\"intercept\"") && text.contains("\"kind\":\"adam\""))
        var reloaded = try JSONDecoder().decode(LinearRegression.self, from: data)
        #expect(reloaded == model)
        rows.withUnsafeBufferPointer { r in
            var a = [Double](repeating: 0, count: 400), b = a
            a.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) }
            b.withUnsafeMutableBufferPointer { reloaded.predict(rows: r, into: $0) }
            #expect(MLTestData.identical(a, b))
            for i in 200..<400 {
                model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: targets[i])
                reloaded.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), target: targets[i])
            }
        }
        #expect(MLTestData.identical(model.parameters, reloaded.parameters))
        #expect(reloaded == model)
    }
}

extension LinearRegressionTests {
    /// The fused predict-then-learn is bit-identical to predicting, then learning.
    @Test func predictThenLearnEqualsTheTwoCalls() {
        let d = 3, n = 300
        let rows = MLTestData.gaussianRows(n, d, seed: 81, mean: 4, std: 2)
        let targets = MLTestData.linearTargets(rows, weights: [1, -2, 0.5], intercept: 3, noise: 0.3, seed: 82)
        var fused = LinearRegression(featureCount: d, optimizer: Adam(learningRate: .constant(0.05)))
        var separate = fused
        rows.withUnsafeBufferPointer { r in
            for i in 0..<n {
                let row = UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)])
                let a = fused.predictThenLearn(row, target: targets[i])
                let b = separate.predict(row)
                separate.learn(row, target: targets[i])
                #expect(a.bitPattern == b.bitPattern)
            }
        }
        #expect(fused == separate)
    }
}
