/// A segment that ``ReplayBuffer/replay(_:)`` did not replay, and why.
public struct ReplaySkippedSegment: Sendable, Hashable, CustomStringConvertible {
    public var fileName: String
    public var reason: String
    /// `true` when the file was corrupt (checksum, truncation, format); `false` when it was
    /// deleted by the writer's eviction while this replay ran.
    public var corrupt: Bool

    public var description: String { "\(fileName): \(reason)" }
}
