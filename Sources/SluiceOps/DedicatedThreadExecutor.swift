import Foundation

/// Runs Swift concurrency jobs on a thread of its own. The HTTP endpoints run their tasks here
/// rather than on the global cooperative pool, which has one thread per core: a verb's threads (or a
/// test runner's) that block in it would otherwise keep the server from ever being scheduled.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Safe: `jobs` is guarded by `condition`; jobs run only on the executor's own thread.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    public init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
