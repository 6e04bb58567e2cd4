/// One segment file of a replay directory, as listed when the directory was
/// opened or the segment written.
public struct ReplaySegmentInfo: Sendable, Hashable {
    /// The segment's place in replay order (from its file name).
    public var sequence: UInt64
    public var fileName: String
    /// Records, per the header; 0 for a corrupt segment.
    public var records: Int
    /// Size of the file.
    public var bytes: Int
    /// Why the segment is known to be corrupt (found when opening or replaying), else `nil`.
    public var corruption: String?

    public var isCorrupt: Bool { corruption != nil }
}
