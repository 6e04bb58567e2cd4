/// Why a segment file cannot be replayed: bad magic or version, checksum
/// mismatch, truncation, a payload that does not parse. Internal: replay turns
/// it into a ``ReplaySkippedSegment`` and goes on with the next segment.
struct SegmentCorruption: Error, Sendable, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
