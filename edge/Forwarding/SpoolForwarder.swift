import Foundation
import Sluice

/// Drains a ``Spool`` to an ``Upstream`` on a thread of its own: reads the oldest records, sends
/// them, acknowledges them to the spool once the upstream has them. When a send fails, the same
/// records are sent again after a backoff (exponential, with full jitter), so delivery is in
/// order and at-least-once; meanwhile new records keep going into the spool, and once the upstream
/// is back the spool drains in order while they keep arriving.
public final class SpoolForwarder: @unchecked Sendable {
    // Safe: `upstream` and `backoff` are used by the forwarding thread only; `status` and `stopping`
    // are guarded by `lock`.
    public struct Status: Sendable, Equatable {
        /// False from a failed send until the next successful one.
        public var upstreamUp = true
        public var lastError: String?
        /// Failed sends in a row.
        public var failures = 0
        public var delivered: Int64 = 0
        public var batches: Int64 = 0
        /// Wall-clock ms when a send in progress started (a Kafka send waits while brokers are away).
        public var sendingSinceMilliseconds: Int64?
        public var lastDeliveryMilliseconds: Int64?
    }

    public let spool: Spool
    public let upstream: any Upstream
    public let batchSize: Int
    private var backoff: Backoff
    private let log: (@Sendable (String, _ up: Bool) -> Void)?
    private let lock = NSLock()
    private var current = Status()
    private var stopping = false
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// - Parameter log: told once when the upstream goes down (with the error) and once when it is back.
    public init(spool: Spool, upstream: any Upstream, batchSize: Int = 1000, backoff: Backoff = Backoff(),
                log: (@Sendable (String, _ up: Bool) -> Void)? = nil) {
        self.spool = spool
        self.upstream = upstream
        self.batchSize = max(1, batchSize)
        self.backoff = backoff
        self.log = log
    }

    public var status: Status { lock.withLock { current } }

    public func start() {
        started = true
        let thread = Thread { [self] in
            defer { finished.signal() }
            run()
        }
        thread.name = "sluice-forwarder"
        thread.start()
    }

    /// Stops after the send in progress (if any); what is not acknowledged stays in the spool.
    /// Returns false if that send did not end within `timeoutSeconds` (a Kafka send waits while the
    /// brokers are away): its records are still unacknowledged and go out again after a restart.
    @discardableResult
    public func stop(timeoutSeconds: Double = .infinity) -> Bool {
        lock.withLock { stopping = true }
        wake.signal()
        guard started else { return true }
        if timeoutSeconds.isInfinite {
            finished.wait()
            return true
        }
        return finished.wait(timeout: .now() + timeoutSeconds) == .success
    }

    /// Waits until everything in the spool was delivered (or `timeoutSeconds` passed); true if it was.
    public func drain(timeoutSeconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if spool.stats.pendingRecords == 0 { return true }
            usleep(20_000)
        }
        return spool.stats.pendingRecords == 0
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// For an upstream whose send waits instead of failing while it is away (Kafka holds the messages
    /// and retries them): marks it down, logging once, while the send goes on waiting. The next
    /// successful send marks it up again.
    public func sendIsStalled(seconds: Double) {
        let wasUp: Bool = lock.withLock {
            let up = current.upstreamUp
            current.upstreamUp = false
            current.lastError = "no acknowledgement for \(Int(seconds)) s"
            return up
        }
        if wasUp { log?("upstream \(upstream.name) is unreachable (no acknowledgement for \(Int(seconds)) s): records stay in the spool and are sent as soon as it is back", false) }
    }

    private func run() {
        var random = SystemRandomNumberGenerator()
        while !isStopping {
            let batch: (firstSequence: UInt64, records: [[UInt8]])?
            do {
                batch = try spool.read(max: batchSize)
            } catch {
                failed("reading the spool: \(error)", random: &random)
                continue
            }
            guard let batch else {
                _ = wake.wait(timeout: .now() + 0.05)  // nothing to send: look again shortly
                continue
            }
            lock.withLock { current.sendingSinceMilliseconds = Int64(Date().timeIntervalSince1970 * 1000) }
            do {
                try upstream.send(batch.records)
                try spool.acknowledge(before: batch.firstSequence + UInt64(batch.records.count))
                let wasDown: Bool = lock.withLock {
                    let down = !current.upstreamUp
                    current.upstreamUp = true
                    current.failures = 0
                    current.delivered += Int64(batch.records.count)
                    current.batches += 1
                    current.sendingSinceMilliseconds = nil
                    current.lastDeliveryMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
                    return down
                }
                backoff.reset()
                if wasDown { log?("upstream \(upstream.name) is back: delivering the spool in order (\(spool.stats.pendingRecords) records pending)", true) }
            } catch {
                spool.rewind()
                failed("\(error)", random: &random)
            }
        }
    }

    /// After a failure: mark the upstream down (logging it once), then wait out the backoff unless stopped.
    private func failed(_ error: String, random: inout SystemRandomNumberGenerator) {
        let wasUp: Bool = lock.withLock {
            let up = current.upstreamUp
            current.upstreamUp = false
            current.lastError = error
            current.failures += 1
            current.sendingSinceMilliseconds = nil
            return up
        }
        if wasUp { log?("upstream \(upstream.name) is unreachable (\(error)): records stay in the spool, retrying with backoff", false) }
        let wait = backoff.next(random: &random)
        _ = wake.wait(timeout: .now() + wait)
    }
}
