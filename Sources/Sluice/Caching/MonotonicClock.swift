#if canImport(Glibc)
import Glibc
#endif

/// The system's monotonic clock (`CLOCK_MONOTONIC`) in milliseconds: unaffected
/// by wall-clock changes, so a TTL never jumps. The default ``CacheClock``.
public struct MonotonicClock: CacheClock {
    public init() {}

    public var now: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
