#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba): per-parameter steps from bias-corrected running means
/// of the gradient and of its square,
/// `m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; p -= rate * m̂ / (sqrt(v̂) + epsilon)`
/// with `m̂ = m / (1 - β1^t)`, `v̂ = v / (1 - β2^t)`.
///
/// Steps are roughly `rate` in size whatever the gradient's scale, which
/// makes one default rate work across datasets — the default optimizer of
/// ``LogisticRegression``. Unlike AdaGrad, the moments forget, so it keeps
/// adapting on a drifting stream. A parameter that must travel far (a large
/// regression intercept) moves only about `rate` per update, which is why
/// ``LinearRegression`` defaults to ``SGD`` instead.
public struct Adam: Optimizer {
    public static let kind = "adam"
    public var learningRate: LearningRate
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var l2: Double
    public private(set) var stepCount = 0
    /// Running means of the gradients and of their squares (empty before the first update).
    public private(set) var firstMoments: [Double] = []
    public private(set) var secondMoments: [Double] = []
    /// `beta1^t` and `beta2^t` after `t` updates, kept as running products (no `pow` per update).
    public private(set) var beta1Power = 1.0
    public private(set) var beta2Power = 1.0

    public init(learningRate: LearningRate = .constant(0.001), beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, l2: Double = 0) {
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0 && l2 >= 0)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.l2 = l2
    }

    public mutating func step(parameters: UnsafeMutableBufferPointer<Double>, gradients: UnsafeBufferPointer<Double>, regularizedCount: Int) {
        precondition(parameters.count == gradients.count && regularizedCount <= parameters.count)
        let n = parameters.count
        if firstMoments.count != n {
            precondition(firstMoments.isEmpty, "optimizer state is for \(firstMoments.count) parameters, not \(n)")
            firstMoments = Array(repeating: 0, count: n)
            secondMoments = Array(repeating: 0, count: n)
        }
        let rate = learningRate.rate(at: stepCount)
        stepCount += 1
        beta1Power *= beta1
        beta2Power *= beta2
        let b1 = beta1, b2 = beta2, eps = epsilon, l2 = l2
        let c1 = 1 / (1 - beta1Power), c2 = 1 / (1 - beta2Power)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        firstMoments.withUnsafeMutableBufferPointer { mb in
            secondMoments.withUnsafeMutableBufferPointer { vb in
                let m = mb.baseAddress!, v = vb.baseAddress!
                // Two loops (weights with L2, intercepts without) rather than a test per element, so both vectorize.
                @inline(__always) func update(_ range: Range<Int>, l2: Double) {
                    for i in range {
                        let gi = g[i] + l2 * p[i]
                        m[i] = b1 * m[i] + (1 - b1) * gi
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi
                        p[i] -= rate * (m[i] * c1) / (sqrt(v[i] * c2) + eps)
                    }
                }
                update(0..<regularizedCount, l2: l2)
                update(regularizedCount..<n, l2: 0)
            }
        }
    }

    public mutating func reset() {
        stepCount = 0
        beta1Power = 1
        beta2Power = 1
        firstMoments = []
        secondMoments = []
    }
}
