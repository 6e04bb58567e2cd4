#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with one condition variable (POSIX), guarding a replay buffer's
/// store and letting its appenders and its sealer thread wait for each other.
/// `Synchronization.Mutex` has no condition variable, hence this.
final class ReplayLock: @unchecked Sendable {
    // Safe: the pthread objects are heap-allocated (they never move) and only used through these methods.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Releases the lock until another thread broadcasts; call with the lock held.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiter; call with the lock held.
    func broadcast() { pthread_cond_broadcast(condition) }
}
