/// What a ``DriftDetector`` concluded after one value.
///
/// Detectors are small state machines: every ``DriftDetector/update(_:)``
/// returns exactly one signal, so a caller reacts in the same place it feeds
/// the stream (start training a background model on ``warning``, swap it in on
/// ``drift``) without polling flags that the next update would overwrite.
public enum DriftSignal: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// No evidence of change: the stream is consistent with what was seen before.
    case none
    /// The statistic crossed the warning level: the stream *may* be changing.
    /// Only detectors with a warning zone (``DDM``) emit it; a warning is
    /// followed by either ``drift`` or a return to ``none``.
    case warning
    /// A change was detected at this value. The detector has already adapted
    /// (``ADWIN`` dropped the stale part of its window; ``PageHinkley`` and
    /// ``DDM`` restarted their statistics), so the next value starts a new
    /// detection: do not call ``DriftDetector/reset()`` in response.
    case drift

    public var description: String { rawValue }
}
