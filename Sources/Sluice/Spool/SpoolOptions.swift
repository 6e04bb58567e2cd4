/// How a ``Spool`` behaves when it fills up and how hard it tries to survive a power cut.
public struct SpoolOptions: Sendable, Equatable {
    /// What an append does when the spool holds ``maxBytes`` already.
    public enum FullPolicy: String, Sendable, CaseIterable {
        /// Wait until the upstream acknowledged enough to make room (backpressure to the inputs);
        /// ``Spool/tryAppend(_:)`` says "full" instead of waiting.
        case block
        /// Delete the oldest segment, acknowledged or not, and count its records as dropped.
        case dropOldest = "drop-oldest"
    }

    /// When sealed segments and the acknowledgement file reach the disk.
    public enum Fsync: String, Sendable, CaseIterable {
        /// Every sealed segment and every acknowledgement is fsynced (and its directory): survives power loss.
        case always
        /// Written, not fsynced: survives a crash of the agent, not of the machine. Faster on slow flash.
        case never
    }

    /// The most bytes the spool keeps: sealed segments on disk (compressed) plus the open segment (raw).
    public var maxBytes: Int
    /// Raw bytes at which the open segment is sealed (compressed and written).
    public var segmentBytes: Int
    public var policy: FullPolicy
    public var fsync: Fsync
    /// zstd level of sealed segments.
    public var compressionLevel: Int32

    /// - Parameter segmentBytes: default: an eighth of `maxBytes`, at most 1 MiB.
    public init(maxBytes: Int = 64 << 20, segmentBytes: Int? = nil, policy: FullPolicy = .block, fsync: Fsync = .always, compressionLevel: Int32 = 3) {
        self.maxBytes = maxBytes
        self.segmentBytes = segmentBytes ?? min(1 << 20, max(4096, maxBytes / 8))
        self.policy = policy
        self.fsync = fsync
        self.compressionLevel = compressionLevel
    }

    /// Why these options cannot work, or nil.
    public var problem: String? {
        if maxBytes < 256 << 10 { return "the spool needs at least 256 KiB (max_size)" }
        if segmentBytes < 1024 { return "segments need at least 1 KiB (segment_size)" }
        if segmentBytes * 4 > maxBytes { return "max_size must hold at least four segments (segment_size \(segmentBytes) bytes, max_size \(maxBytes))" }
        return nil
    }
}

/// Where a spool stands (for metrics and `/healthz`).
public struct SpoolStats: Sendable, Equatable {
    /// Sealed segments on disk plus the open segment.
    public var bytes: Int
    /// Records appended and not yet acknowledged.
    public var pendingRecords: Int64
    /// Wall-clock milliseconds when the oldest pending record was appended (nil: none pending).
    public var oldestPendingMilliseconds: Int64?
    public var segments: Int
    public var appended: Int64
    public var acknowledged: Int64
    /// Records deleted unacknowledged to make room (policy drop-oldest).
    public var dropped: Int64
    /// Segments found corrupt and moved to `quarantine/`, and the records they held.
    public var quarantinedSegments: Int
    public var quarantinedRecords: Int64
}

/// What a spool did that an operator should hear about.
public enum SpoolEvent: Sendable, Equatable {
    /// Unacknowledged records deleted to make room (drop-oldest).
    case dropped(records: Int64, segment: String)
    /// A segment failed its checks and was moved aside; its records are lost.
    case quarantined(segment: String, reason: String, records: Int64)
}

public enum SpoolError: Error, CustomStringConvertible, Sendable, Equatable {
    case io(operation: String, path: String, errno: Int32)
    case invalid(String)
    case recordTooLarge(bytes: Int, limit: Int)
    case closed

    public var description: String {
        switch self {
        case .io(let operation, let path, let code): return "spool: cannot \(operation) \(path): \(errnoDescription(code))"
        case .invalid(let why): return "spool: \(why)"
        case .recordTooLarge(let bytes, let limit): return "spool: a record of \(bytes) bytes exceeds the segment size (\(limit) bytes)"
        case .closed: return "spool: closed"
        }
    }

    static func converted(_ error: ReplayError) -> SpoolError {
        if case .io(let operation, let path, let code) = error { return .io(operation: operation, path: path, errno: code) }
        return .invalid(error.description)
    }
}
