#if canImport(Glibc)
import Glibc
#endif

/// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts from now on) and
/// returns the set, for a dedicated thread to `sigwait` on. Call it before creating any librdkafka
/// handle: a signal delivered to one of librdkafka's threads (the dev cluster's especially) makes
/// its poll fail and the thread exit.
func blockTerminationSignals() -> sigset_t {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    return signals
}
