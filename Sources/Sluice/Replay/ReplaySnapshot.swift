/// A consistent cut of a replay buffer, taken under its lock so that
/// replay can read files and call the caller's code without holding it:
/// the segments as listed then, and a copy of the memory tail as a payload.
struct ReplaySnapshot: Sendable {
    var directory: String
    var segments: [ReplaySegmentInfo]
    /// The memory tail encoded as a segment payload (uncompressed), `nil` when empty.
    var tailPayload: [UInt8]?
}
