#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AdaGrad: a per-parameter rate that shrinks with the parameter's squared
/// gradients so far, `G += g²; p -= rate * g / (sqrt(G) + epsilon)`.
///
/// Good for features of very different frequency (sparse ones keep large
/// steps); its steps only ever shrink, so it adapts to drift less and less.
public struct AdaGrad: Optimizer {
    public static let kind = "adagrad"
    public var learningRate: LearningRate
    public var l2: Double
    public var epsilon: Double
    public private(set) var stepCount = 0
    /// Sum of squared gradients per parameter (empty before the first update).
    public private(set) var sumOfSquares: [Double] = []

    public init(learningRate: LearningRate = .constant(0.1), l2: Double = 0, epsilon: Double = 1e-8) {
        precondition(l2 >= 0 && epsilon > 0)
        self.learningRate = learningRate
        self.l2 = l2
        self.epsilon = epsilon
    }

    public mutating func step(parameters: UnsafeMutableBufferPointer<Double>, gradients: UnsafeBufferPointer<Double>, regularizedCount: Int) {
        precondition(parameters.count == gradients.count && regularizedCount <= parameters.count)
        let n = parameters.count
        if sumOfSquares.count != n {
            precondition(sumOfSquares.isEmpty, "optimizer state is for \(sumOfSquares.count) parameters, not \(n)")
            sumOfSquares = Array(repeating: 0, count: n)
        }
        let rate = learningRate.rate(at: stepCount)
        stepCount += 1
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let l2 = l2, eps = epsilon
        sumOfSquares.withUnsafeMutableBufferPointer { sb in
            let s = sb.baseAddress!
            @inline(__always) func update(_ range: Range<Int>, l2: Double) {
                for i in range {
                    let gi = g[i] + l2 * p[i]
                    s[i] += gi * gi
                    p[i] -= rate * gi / (sqrt(s[i]) + eps)
                }
            }
            update(0..<regularizedCount, l2: l2)
            update(regularizedCount..<n, l2: 0)
        }
    }

    public mutating func reset() {
        stepCount = 0
        sumOfSquares = []
    }
}
