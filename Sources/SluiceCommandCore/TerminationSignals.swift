import Logging
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts from now on) and
/// returns the set, for a dedicated thread to `sigwait` on. Call it before creating any librdkafka
/// handle: a signal delivered to one of librdkafka's threads (the dev cluster's especially) makes
/// its poll fail and the thread exit.
package func blockTerminationSignals() -> sigset_t {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    return signals
}

/// Waits for SIGINT/SIGTERM on its own thread: the first requests a graceful stop, the second
/// exits at once. Safe to hand to that thread: it only calls the thread-safe ``StopSignal``.
package final class GracefulStop: @unchecked Sendable {
    package let stop: StopSignal
    /// Where the two lines go (a swift-log logger, so JSON logs stay JSON); stderr text without one.
    package let logger: Logger?
    /// Seconds a graceful stop may take before the process gives up on it and exits with status 1
    /// (a sink that never acknowledges must not keep a stopping process alive forever).
    package let timeoutSeconds: Double
    package init(_ stop: StopSignal, logger: Logger? = nil, timeoutSeconds: Double = 30) {
        self.stop = stop
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
    }

    package func wait(_ signals: sigset_t) {
        var set = signals
        var received: Int32 = 0
        sigwait(&set, &received)
        say("sluice: stopping (signal \(received)): closing windows and flushing output; signal again to exit now", ["event": "stopping", "signal": "\(received)"])
        stop.request()
        var deadline = timespec(tv_sec: Int(timeoutSeconds), tv_nsec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1e9))
        if sigtimedwait(&set, nil, &deadline) < 0 {
            say("sluice: did not stop within \(timeoutSeconds) s (--shutdown-timeout); exiting without flushing", ["event": "shutdown_timeout"])
            exit(1)
        }
        say("sluice: second signal, exiting without flushing", ["event": "forced_exit"])
        exit(130)
    }

    private func say(_ text: String, _ metadata: Logger.Metadata) {
        if let logger { logger.notice("\(text)", metadata: metadata) } else { printError(text) }
    }
}
