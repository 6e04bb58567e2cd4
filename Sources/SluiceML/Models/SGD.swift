/// Stochastic gradient descent, with optional (heavy-ball) momentum:
/// `v = momentum * v + g; p -= rate * v` (without momentum, `p -= rate * g`).
///
/// The simplest optimizer and River's default (`SGD(0.01)`); with a constant
/// rate it keeps adapting to drift at a fixed speed. Momentum smooths noisy
/// single-row gradients. The velocity is allocated on the first update, and
/// only when `momentum > 0`.
public struct SGD: Optimizer {
    public static let kind = "sgd"
    public var learningRate: LearningRate
    public var momentum: Double
    public var l2: Double
    public private(set) var stepCount = 0
    /// One entry per parameter (empty without momentum or before the first update).
    public private(set) var velocity: [Double] = []

    public init(learningRate: LearningRate = .constant(0.01), momentum: Double = 0, l2: Double = 0) {
        precondition(momentum >= 0 && momentum < 1 && l2 >= 0)
        self.learningRate = learningRate
        self.momentum = momentum
        self.l2 = l2
    }

    public mutating func step(parameters: UnsafeMutableBufferPointer<Double>, gradients: UnsafeBufferPointer<Double>, regularizedCount: Int) {
        precondition(parameters.count == gradients.count && regularizedCount <= parameters.count)
        let rate = learningRate.rate(at: stepCount)
        stepCount += 1
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let n = parameters.count, l2 = l2
        if momentum == 0 {
            if l2 == 0 {
                for i in 0..<n { p[i] -= rate * g[i] }
            } else {
                for i in 0..<regularizedCount { p[i] -= rate * (g[i] + l2 * p[i]) }
                for i in regularizedCount..<n { p[i] -= rate * g[i] }
            }
            return
        }
        if velocity.count != n {
            precondition(velocity.isEmpty, "optimizer state is for \(velocity.count) parameters, not \(n)")
            velocity = Array(repeating: 0, count: n)
        }
        let mu = momentum
        velocity.withUnsafeMutableBufferPointer { vb in
            let v = vb.baseAddress!
            @inline(__always) func update(_ range: Range<Int>, l2: Double) {
                for i in range {
                    v[i] = mu * v[i] + (g[i] + l2 * p[i])
                    p[i] -= rate * v[i]
                }
            }
            update(0..<regularizedCount, l2: l2)
            update(regularizedCount..<n, l2: 0)
        }
    }

    public mutating func reset() {
        stepCount = 0
        velocity = []
    }
}
