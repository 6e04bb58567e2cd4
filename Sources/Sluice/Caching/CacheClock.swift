/// The time source of a cache's TTL: milliseconds on a clock that never goes
/// backwards. Only differences matter, so the origin is arbitrary.
///
/// Injected through ``PlanResources/clock`` so tests can drive expiry with a
/// ``ManualClock`` instead of sleeping. Operators read it once per micro-batch,
/// not per row.
public protocol CacheClock: Sendable {
    /// The current time in milliseconds.
    var now: Int64 { get }
}
