/// An online gradient-descent rule: turns a gradient into an update of a
/// model's parameters, keeping whatever per-parameter state it needs.
///
/// **Why a protocol.** ``LinearRegression`` and ``LogisticRegression`` share
/// the optimizers (``SGD``, ``AdaGrad``, ``Adam``): a model computes the
/// gradient of its loss, the optimizer decides the step.
///
/// **Contract.**
/// - `parameters` and `gradients` have the same length, fixed for the life
///   of the optimizer state (the first ``step(parameters:gradients:regularizedCount:)``
///   sizes the state; a different length later is a programming error).
/// - The first `regularizedCount` parameters (a model's weights) get L2
///   regularization: `l2 * parameter` is added to their gradient. The rest
///   (intercepts) are not regularized.
/// - ``stepCount`` counts the updates made; the learning rate of an update is
///   ``learningRate`` at the count before it.
/// - All state is `Codable`, so a reloaded model continues bit-identically.
///   Models save their optimizer as `any Optimizer`, tagged with ``kind``
///   (see ``OptimizerCoding``).
public protocol Optimizer: Sendable, Codable, Equatable {
    /// The tag saved with the optimizer's state, e.g. `"adam"`.
    static var kind: String { get }
    var learningRate: LearningRate { get }
    /// L2 regularization strength (0 = none).
    var l2: Double { get }
    /// Updates made so far.
    var stepCount: Int { get }
    /// Applies one update in place.
    mutating func step(parameters: UnsafeMutableBufferPointer<Double>, gradients: UnsafeBufferPointer<Double>, regularizedCount: Int)
    /// Forgets the state (moments, step count), keeping the hyper-parameters.
    mutating func reset()
}
