/// An online change detector: fed one number at a time, it says whether the
/// distribution of the numbers has changed.
///
/// Use it on a model's error stream (`1` for a mistake, `0` for a correct
/// prediction, or a per-example loss) to know when to retrain, or on any
/// numeric feature to know when its distribution moved.
///
/// The contract, shared by every conformer:
///
/// - A detector is a value type and a small state machine (in the style of
///   swift-async-algorithms' state machines): ``update(_:)`` consumes one
///   value and returns the one ``DriftSignal`` for it. Nothing happens between
///   calls; there are no callbacks, threads or clocks, so a detector costs
///   what its update costs and is deterministic: the same values give the same
///   signals.
/// - After ``DriftSignal/drift`` the detector has already adapted to the new
///   distribution; keep feeding it. ``reset()`` is for starting over on an
///   unrelated stream (a new model, a new feature).
/// - Values must be finite. Non-finite values (NaN, ±∞) are ignored: they
///   return ``DriftSignal/none`` and leave the state unchanged, so one bad
///   record cannot poison the statistics for the rest of the stream.
/// - The whole state, parameters included, is `Codable`: save it next to a
///   model and a restored detector continues exactly where the saved one
///   stopped (it returns the same signals for the same subsequent values).
///   Use ``AnyDriftDetector`` to store a detector whose kind is chosen at run
///   time.
/// - A detector is `Sendable` (it is a value); confine each instance to one
///   task, as with any mutable value.
public protocol DriftDetector: Sendable, Codable {
    /// Consumes the next value of the stream and says whether it revealed a change.
    /// - Complexity: amortised O(1) for ``PageHinkley`` and ``DDM``; for
    ///   ``ADWIN``, O(1) amortised plus O(log W) every `clock` updates.
    mutating func update(_ value: Double) -> DriftSignal

    /// Forgets everything seen so far; the parameters are kept. Afterwards the
    /// detector is equal to a newly created one with the same parameters.
    mutating func reset()
}

extension DriftDetector {
    /// Consumes one prediction outcome of a classifier: `true` for a mistake
    /// (fed as `1`), `false` for a correct prediction (fed as `0`).
    @inlinable
    public mutating func update(isError: Bool) -> DriftSignal {
        update(isError ? 1 : 0)
    }

    /// Feeds every value of `values` in order and returns the offsets (within
    /// `values`) at which ``DriftSignal/drift`` was signalled. Warnings are not
    /// reported; use ``update(_:)`` to see them.
    public mutating func driftOffsets<S: Sequence>(in values: S) -> [Int] where S.Element == Double {
        var offsets: [Int] = []
        for (i, value) in values.enumerated() {
            if case .drift = update(value) { offsets.append(i) }
        }
        return offsets
    }
}
