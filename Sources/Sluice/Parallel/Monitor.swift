#if canImport(Glibc)
import Glibc
#endif

/// A mutex with one condition variable (POSIX), for the few hand-offs between
/// threads: a parallel run's block queue, shard inboxes and batch pool; a
/// replay buffer's appenders and its sealer thread. Operations are per
/// micro-batch, never per record. (`Synchronization.Mutex` has no condition
/// variable, hence this.)
public final class Monitor: @unchecked Sendable {
    // Safe: all access to the pthread objects goes through lock/unlock/wait; they are heap-allocated so they never move.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
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

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits for a signal; call with the lock held (inside `withLock`).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits (lock held) until signalled or `seconds` passed; returns false on timeout.
    public func wait(timeoutSeconds seconds: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanos = Int(now.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
        var deadline = timespec(tv_sec: now.tv_sec + Int(seconds) + nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
        return pthread_cond_timedwait(condition, mutex, &deadline) == 0
    }

    /// Wakes every waiter; call with the lock held.
    public func broadcast() { pthread_cond_broadcast(condition) }
}

/// Runs `body` on a new thread; `join()` waits for it.
final class WorkerThread: @unchecked Sendable {
    // Safe: `thread` is written once before `join` reads it; the box is retained by the thread until it ends.
    private var thread = pthread_t()
    private final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "cannot start a worker thread: error \(rc)")
    }

    func join() { pthread_join(thread, nil) }
}
