#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The background thread of a writable replay buffer: it takes full tails
/// from the store's queue, one at a time and in order, encodes, compresses
/// and writes each as a segment (temp file, fsync, rename), and hands the
/// result back to the store.
///
/// Why a thread: zstd at level 3 handles a few hundred MB/s, slower than a
/// pipeline's stateless stages, and an fsync can take milliseconds. Done
/// inline, both would stall the pipeline's thread (and, under the buffer's
/// lock, every shard). Here the pipeline only copies rows into the tail; it
/// waits only when a tail fills up while the previous one is still being
/// written (backpressure, so memory stays bounded).
final class ReplaySealer: @unchecked Sendable {
    // Safe: `store` is only touched with `lock` held; the job being written is read-only; zstd and scratch are this thread's own.
    private let store: ReplayStore
    private let lock: Monitor
    private let zstd: Zstd
    private var payload = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var compressed = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var thread = pthread_t()

    private final class Box {
        let sealer: ReplaySealer
        init(_ sealer: ReplaySealer) { self.sealer = sealer }
    }

    init(store: ReplayStore, lock: Monitor) {
        self.store = store
        self.lock = lock
        self.zstd = Zstd(level: Int32(store.options.compressionLevel))
        let box = Unmanaged.passRetained(Box(self)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.sealer.run()
            return nil
        }, box)
        precondition(rc == 0, "cannot start the replay sealer thread: error \(rc)")
    }

    deinit {
        payload.deallocate()
        compressed.deallocate()
    }

    private var joined = false

    /// Waits for the thread to end (after the store was told to stop). Idempotent; callers serialize it.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    private func run() {
        lock.lock()
        while true {
            while store.queue.isEmpty && !store.stopping { lock.wait() }
            guard let job = store.queue.first else { break }  // stopping, and nothing left to write
            lock.unlock()
            let start = monotonicSeconds()
            let result = Result { () throws(ReplayError) in try write(job) }
            let seconds = monotonicSeconds() - start
            lock.lock()
            store.completeSeal(job, result, seconds: seconds)
            lock.broadcast()
        }
        lock.unlock()
    }

    private func write(_ job: ReplaySealJob) throws(ReplayError) -> (fileSize: Int, payloadSize: Int) {
        let tail = job.tail
        let size = tail.payloadSize
        Self.ensure(&payload, size)
        Self.ensure(&compressed, Zstd.compressBound(size))
        tail.encodePayload(into: payload.baseAddress!)
        let directory = store.directory
        let temporary = directory + "/" + SegmentFormat.temporaryPrefix + "\(job.sequence).tmp-\(getpid())"
        let written = try SegmentFile.write(payload: UnsafeRawBufferPointer(rebasing: payload[0..<size]), records: tail.rows,
                                            path: directory + "/" + SegmentFormat.fileName(sequence: job.sequence),
                                            temporary: temporary, directory: directory, zstd: zstd, scratch: compressed)
        return (written.fileSize, size)
    }

    /// `buffer` if it holds `size` bytes, else a new, larger one (the old one freed).
    private static func ensure(_ buffer: inout UnsafeMutableRawBufferPointer, _ size: Int) {
        guard buffer.count < size else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: size + size / 4, alignment: 16)
    }
}
