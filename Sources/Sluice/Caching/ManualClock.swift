import Synchronization

/// A clock that moves only when told to: for tests of TTL expiry that read like
/// a timeline, without sleeping.
///
/// ```swift
/// let clock = ManualClock()
/// cache.put("a", 1, now: clock.now)      // t = 0
/// clock.advance(by: .minutes(5))
/// cache.lookup("a", now: clock.now)      // .expired with a 5m TTL
/// ```
///
/// Thread-safe, so it can be shared with a plan through ``PlanResources``.
public final class ManualClock: CacheClock {
    private let time: Atomic<Int64>

    /// A clock reading `start` (default 0).
    public init(_ start: TimeSpan = .milliseconds(0)) {
        time = Atomic(start.milliseconds)
    }

    public var now: Int64 { time.load(ordering: .relaxed) }

    /// Moves the clock forward (or back, for a negative span).
    public func advance(by span: TimeSpan) {
        time.add(span.milliseconds, ordering: .relaxed)
    }

    /// Sets the clock to `t` after its origin.
    public func set(to t: TimeSpan) {
        time.store(t.milliseconds, ordering: .relaxed)
    }
}
