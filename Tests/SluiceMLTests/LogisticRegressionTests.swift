import Foundation
import Testing
@testable import SluiceML

/// Gradients against finite differences, convergence to known weights,
/// mini-batch equivalence, and an exact JSON round trip — binary and multinomial.
@Suite struct LogisticRegressionTests {
    /// A model with non-trivial parameters and scaler statistics.
    func trainedModel(classes: Int, optimizer: any Optimizer = Adam(learningRate: .constant(0.05)), standardize: Bool = true) -> LogisticRegression {
        let d = 4
        var model = LogisticRegression(featureCount: d, classes: ClassLabels(count: classes), optimizer: optimizer, standardize: standardize)
        let rows = MLTestData.gaussianRows(300, d, seed: 11, mean: 2, std: 3)
        let labels = (0..<300).map { Int32(($0 * 7 + $0 / 3) % classes) }
        rows.withUnsafeBufferPointer { r in labels.withUnsafeBufferPointer { model.learn(rows: r, labels: $0) } }
        for i in 0..<50 { model.learn(Array(rows[(i * d)..<((i + 1) * d)]), label: Int(labels[i])) }
        return model
    }

    @Test(arguments: [2, 4], [true, false])
    func gradientMatchesFiniteDifferences(classes: Int, standardize: Bool) {
        let model = trainedModel(classes: classes, standardize: standardize)
        let d = model.featureCount
        let rows = MLTestData.gaussianRows(20, d, seed: 12, mean: 1, std: 2)
        let labels = (0..<20).map { Int32($0 % classes) }
        rows.withUnsafeBufferPointer { r in
            labels.withUnsafeBufferPointer { l in
                let analytic = model.gradient(rows: r, labels: l)
                #expect(analytic.count == model.parameters.count)
                let h = 1e-6
                for i in 0..<model.parameters.count {
                    var plus = model, minus = model
                    plus.parameters[i] += h
                    minus.parameters[i] -= h
                    let numeric = (plus.loss(rows: r, labels: l) - minus.loss(rows: r, labels: l)) / (2 * h)
                    #expect(abs(numeric - analytic[i]) < 1e-6 * max(1, abs(numeric)), "parameter \(i): \(numeric) vs \(analytic[i])")
                }
            }
        }
    }

    @Test func binaryConvergesToTheGeneratingWeights() {
        let d = 5, n = 200_000
        let truth = [1.5, -2.0, 0.5, 0.0, 1.0], bias = -0.5
        let rows = MLTestData.gaussianRows(n, d, seed: 21)
        let labels = MLTestData.logisticLabels(rows, weights: truth, intercept: bias, seed: 22)
        var model = LogisticRegression(featureCount: d, optimizer: SGD(learningRate: .inverseScaling(initial: 0.5, power: 0.5)), standardize: false)
        rows.withUnsafeBufferPointer { r in
            labels.withUnsafeBufferPointer { l in
                // Mini-batches of 10 rows: the averaged gradient must converge as well.
                for i in stride(from: 0, to: n, by: 10) {
                    model.learn(rows: UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 10) * d)]), labels: UnsafeBufferPointer(rebasing: l[i..<(i + 10)]))
                }
            }
        }
        for j in 0..<d { #expect(abs(model.weights[0][j] - truth[j]) < 0.1, "weight \(j): \(model.weights[0][j]) vs \(truth[j])") }
        #expect(abs(model.intercepts[0] - bias) < 0.1)
    }

    @Test func multinomialConvergesToTheGeneratingWeights() {
        // Softmax weights are identified up to a shift shared by all classes: compare to class 0.
        let d = 3, n = 200_000
        let truth: [[Double]] = [[0, 0, 0], [1.5, -1, 0.5], [-1, 2, 0]]
        let bias = [0.0, 0.5, -0.5]
        let rows = MLTestData.gaussianRows(n, d, seed: 31)
        let labels = MLTestData.softmaxLabels(rows, weights: truth, intercepts: bias, seed: 32)
        var model = LogisticRegression(featureCount: d, classes: ClassLabels(count: 3), optimizer: SGD(learningRate: .inverseScaling(initial: 0.5, power: 0.5)), standardize: false)
        rows.withUnsafeBufferPointer { r in
            for i in 0..<n { model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), label: Int(labels[i])) }
        }
        let w = model.weights, b = model.intercepts
        for c in 1..<3 {
            for j in 0..<d { #expect(abs((w[c][j] - w[0][j]) - truth[c][j]) < 0.15, "class \(c) weight \(j)") }
            #expect(abs((b[c] - b[0]) - bias[c]) < 0.15)
        }
    }

    @Test(arguments: [2, 3])
    func batchOfOneIsIdenticalToOneAtATime(classes: Int) {
        let d = 6, n = 400
        let rows = MLTestData.gaussianRows(n, d, seed: 41, mean: 3, std: 2)
        let labels = (0..<n).map { Int32(($0 * 5) % classes) }
        for optimizer in [SGD(learningRate: .constant(0.05), momentum: 0.9, l2: 1e-3), Adam(learningRate: .constant(0.01), l2: 1e-3)] as [any Optimizer] {
            var single = LogisticRegression(featureCount: d, classes: ClassLabels(count: classes), optimizer: optimizer)
            var batched = single
            rows.withUnsafeBufferPointer { r in
                labels.withUnsafeBufferPointer { l in
                    for i in 0..<n {
                        single.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), label: Int(l[i]))
                        batched.learn(rows: UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), labels: UnsafeBufferPointer(rebasing: l[i..<(i + 1)]))
                    }
                }
            }
            #expect(MLTestData.identical(single.parameters, batched.parameters))
            #expect(single == batched)
        }
    }

    @Test func miniBatchIsOneStepWithTheMeanGradient() {
        let d = 3, n = 16
        let rows = MLTestData.gaussianRows(n, d, seed: 51)
        let labels = (0..<n).map { Int32($0 % 2) }
        var model = LogisticRegression(featureCount: d, optimizer: SGD(learningRate: .constant(0.1)), standardize: false)
        model.setParameters(weights: [[0.3, -0.2, 0.1]], intercepts: [0.05])
        rows.withUnsafeBufferPointer { r in
            labels.withUnsafeBufferPointer { l in
                // The mean of the per-row gradients, by hand:
                var mean = [Double](repeating: 0, count: d + 1)
                for i in 0..<n {
                    let x = Array(r[(i * d)..<((i + 1) * d)])
                    let z = 0.05 + 0.3 * x[0] - 0.2 * x[1] + 0.1 * x[2]
                    let e = 1 / (1 + exp(-z)) - Double(l[i])
                    for j in 0..<d { mean[j] += e * x[j] / Double(n) }
                    mean[d] += e / Double(n)
                }
                let before = model.parameters
                model.learn(rows: r, labels: l)
                for i in 0..<(d + 1) { #expect(abs(model.parameters[i] - (before[i] - 0.1 * mean[i])) < 1e-14) }
                #expect(model.samplesLearned == n)
            }
        }
    }

    @Test func predictionsFollowTheParameters() {
        var model = LogisticRegression(featureCount: 2, standardize: false)
        #expect(model.predictProbabilities([3, 4]) == [0.5, 0.5])
        #expect(model.predict([3, 4]) == 0)  // a tie goes to the lower class
        model.setParameters(weights: [[1, -1]], intercepts: [0.5])
        let p = 1 / (1 + exp(-(3 - 4 + 0.5)))
        #expect(model.predictProbabilities([3, 4]) == [1 - p, p])
        [3.0, 4.0].withUnsafeBufferPointer { #expect(model.probabilityOfClass1($0) == p) }
        var three = LogisticRegression(featureCount: 1, classes: ClassLabels(["a", "b", "c"]), standardize: false)
        three.setParameters(weights: [[1], [2], [3]], intercepts: [0, 0, 0])
        let probabilities = three.predictProbabilities([1])
        let expected = [exp(1.0), exp(2.0), exp(3.0)].map { $0 / (exp(1.0) + exp(2.0) + exp(3.0)) }
        for c in 0..<3 { #expect(abs(probabilities[c] - expected[c]) < 1e-15) }
        #expect(three.predict([1]) == 2 && three.predict([-1]) == 0)
    }

    @Test(arguments: [2, 3])
    func jsonRoundTripPredictsAndLearnsIdentically(classes: Int) throws {
        let optimizers: [any Optimizer] = [
            SGD(learningRate: .inverseScaling(initial: 0.2, power: 0.3), momentum: 0.7, l2: 1e-3),
            AdaGrad(learningRate: .constant(0.1), l2: 1e-4),
            Adam(learningRate: .constant(0.02)),
        ]
        for optimizer in optimizers {
            var model = trainedModel(classes: classes, optimizer: optimizer)
            model.featureNames = ["a", "b", "c", "d"]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(model)
            let text = String(decoding: data, as: UTF8.self)
            for key in ["\"model\" : \"logistic_regression\"", "\"weights\"", "\"intercepts\"", "\"classes\"", "\"scaler\"", "\"means\"",
                        "\"optimizer\"", "\"kind\" : \"\(type(of: optimizer).kind)\"", "\"learningRate\"", "\"stepCount\"", "\"featureNames\""] {
                #expect(text.contains(key), "missing \(key)")
            }
            var reloaded = try JSONDecoder().decode(LogisticRegression.self, from: data)
            #expect(reloaded == model)

            let d = model.featureCount
            let rows = MLTestData.gaussianRows(200, d, seed: 61, mean: 1, std: 4)
            let labels = (0..<200).map { Int32(($0 * 3) % classes) }
            var original = [Double](repeating: 0, count: 200 * classes), copy = original
            rows.withUnsafeBufferPointer { r in
                original.withUnsafeMutableBufferPointer { model.predictProbabilities(rows: r, into: $0) }
                copy.withUnsafeMutableBufferPointer { reloaded.predictProbabilities(rows: r, into: $0) }
                #expect(MLTestData.identical(original, copy))
                labels.withUnsafeBufferPointer { l in
                    for i in 0..<100 {
                        model.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), label: Int(l[i]))
                        reloaded.learn(UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)]), label: Int(l[i]))
                    }
                    model.learn(rows: UnsafeBufferPointer(rebasing: r[(100 * d)...]), labels: UnsafeBufferPointer(rebasing: l[100...]))
                    reloaded.learn(rows: UnsafeBufferPointer(rebasing: r[(100 * d)...]), labels: UnsafeBufferPointer(rebasing: l[100...]))
                }
            }
            #expect(MLTestData.identical(model.parameters, reloaded.parameters))
            #expect(reloaded == model)
        }
    }

    @Test func decodingRejectsAnotherModelOrBadShapes() throws {
        let linear = try JSONEncoder().encode(LinearRegression(featureCount: 2))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LogisticRegression.self, from: linear) }
        let good = String(decoding: try JSONEncoder().encode(LogisticRegression(featureCount: 2)), as: UTF8.self)
        let bad = good.replacingOccurrences(of: "\"featureCount\":2", with: "\"featureCount\":3")
        #expect(bad != good)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LogisticRegression.self, from: Data(bad.utf8)) }
    }
}

extension LogisticRegressionTests {
    /// The fused predict-then-learn is bit-identical to predicting, then learning.
    @Test(arguments: [2, 5])
    func predictThenLearnEqualsTheTwoCalls(classes: Int) {
        let d = 4, n = 300
        let rows = MLTestData.gaussianRows(n, d, seed: 71, mean: -1, std: 2)
        let labels = (0..<n).map { Int32(($0 * 7) % classes) }
        var fused = LogisticRegression(featureCount: d, classes: ClassLabels(count: classes), optimizer: SGD(learningRate: .constant(0.05), momentum: 0.5))
        var separate = fused
        var a = [Double](repeating: 0, count: classes), b = a
        rows.withUnsafeBufferPointer { r in
            for i in 0..<n {
                let row = UnsafeBufferPointer(rebasing: r[(i * d)..<((i + 1) * d)])
                a.withUnsafeMutableBufferPointer { fused.predictThenLearn(row, label: Int(labels[i]), probabilities: $0) }
                b.withUnsafeMutableBufferPointer { separate.predictProbabilities(row, into: $0) }
                separate.learn(row, label: Int(labels[i]))
                #expect(MLTestData.identical(a, b))
            }
        }
        #expect(MLTestData.identical(fused.parameters, separate.parameters))
        #expect(fused == separate)
    }
}
