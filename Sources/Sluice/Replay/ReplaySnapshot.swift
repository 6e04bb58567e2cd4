/// A consistent cut of a replay buffer, taken under its lock so that
/// replay can read files and call the caller's code without holding it:
/// the segments as listed then, followed by copies of the tails not yet on
/// disk (queued for the sealer, then the one being filled), as payloads.
struct ReplaySnapshot: Sendable {
    var directory: String
    var segments: [ReplaySegmentInfo]
    /// Tails in memory, oldest first, each encoded as a segment payload (uncompressed).
    var memoryPayloads: [[UInt8]]
}
