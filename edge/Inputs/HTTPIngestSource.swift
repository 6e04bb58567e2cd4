import Foundation
import Sluice
import SluiceFiles

/// The pipeline's input from `POST /ingest`: a bounded queue of checked NDJSON bodies, read in
/// blocks by the runner like any other input.
///
/// Bounded so that a client faster than the pipeline (or than the spool under policy `block`) is
/// told 503 instead of growing the agent's memory: ``offer(_:records:)`` refuses a body that does
/// not fit. Accepted bodies are processed in the order they were accepted. After a stop is
/// requested the queue is still read to its end — a body answered 200 is never dropped on a
/// graceful stop — then the input ends, and open windows stay open in the final checkpoint.
///
/// The window state is checkpointed like a file input's, with no position to go with it: what was
/// accepted since the last checkpoint and not yet processed is lost if the process is killed
/// (`kill -9`, power loss), as with any in-memory buffer; a graceful stop loses nothing.
public final class HTTPIngestSource: BlockSource, CheckpointableSource, @unchecked Sendable {
    // Safe: the queue and counters are guarded by `condition`; `bytesRead`, `nextLine` are written by
    // the reader thread only (others may read a moment-old value).
    public let maxQueuedBytes: Int
    public let stop: StopSignal
    public var name: String { "http" }
    public private(set) var bytesRead: Int64 = 0
    public var totalBytes: Int64? { nil }
    /// How long ``next(into:maxLines:)`` waits for a body before handing out an empty block
    /// (so checkpoints, watermarks and metrics go on while nothing arrives).
    public var idleSeconds = 1.0

    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var head = 0           // the first queued body
    private var headOffset = 0     // bytes of it already handed out
    private var queuedBytes = 0
    private var acceptedRecords: Int64 = 0
    private var nextLine: Int64 = 1

    /// - Parameter maxQueuedBytes: at least the largest body accepted (the request size limit).
    public init(maxQueuedBytes: Int = 16 << 20, stop: StopSignal) {
        self.maxQueuedBytes = maxQueuedBytes
        self.stop = stop
    }

    /// Queues a body (NDJSON, every line ending in a newline, from ``IngestBody``); false if it does
    /// not fit now, or the input is stopping (the caller answers 503: try again later).
    public func offer(_ ndjson: [UInt8], records: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        // Checked under the lock: once the reader has seen the stop and an empty queue, nothing more gets in.
        guard !stop.isRequested else { return false }
        guard queuedBytes + ndjson.count <= maxQueuedBytes || queuedBytes == 0 else { return false }
        queue.append(ndjson)
        queuedBytes += ndjson.count
        acceptedRecords += Int64(records)
        condition.signal()
        return true
    }

    /// Bytes accepted and not yet handed to the pipeline.
    public var pendingBytes: Int { condition.withLock { queuedBytes } }
    /// Records accepted so far.
    public var recordsAccepted: Int64 { condition.withLock { acceptedRecords } }

    public func open(schema: Schema) throws {}

    public func makeDecoder() -> any RecordDecoder { RecordFormat.ndjson.makeDecoder(csvHeader: false) }

    public func next(into block: Block, maxLines: Int) throws -> Bool {
        block.count = 0
        block.lines = 0
        block.offset = bytesRead
        block.firstLine = nextLine
        block.oversizedRecord = false
        condition.lock()
        defer { condition.unlock() }
        if head == queue.count {
            if stop.isRequested { return false }
            _ = condition.wait(until: Date().addingTimeInterval(idleSeconds))
        }
        // Whole lines, as many as fit: a body larger than the block goes out over several blocks.
        while head < queue.count && block.lines < maxLines {
            let body = queue[head]
            var lines = 0, end = headOffset
            let room = block.capacity - block.count
            body.withUnsafeBufferPointer { bytes in
                var i = headOffset
                while i < bytes.count && i - headOffset < room && block.lines + lines < maxLines {
                    if bytes[i] == 10 { lines += 1; end = i + 1 }
                    i += 1
                }
            }
            if lines == 0 {
                // Not one whole line fits: the block is full (an empty block cannot be, a line is at most the body limit).
                if block.count == 0 { throw InputError("http: a record of more than \(block.capacity) bytes") }
                break
            }
            body.withUnsafeBufferPointer { bytes in
                (block.bytes + block.count).update(from: bytes.baseAddress! + headOffset, count: end - headOffset)
            }
            block.count += end - headOffset
            block.lines += lines
            queuedBytes -= end - headOffset
            if end == body.count {
                queue[head] = []
                head += 1
                headOffset = 0
            } else {
                headOffset = end
            }
        }
        if head == queue.count && head > 0 {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        bytesRead += Int64(block.count)
        nextLine += Int64(block.lines)
        // Ends only once everything accepted was handed out.
        return !(block.count == 0 && stop.isRequested && head == queue.count)
    }

    // No position: what arrives after a restart is new. The checkpoint carries the window state.
    public var checkpointPositions: [Int64] { [] }
    public func resume(from positions: [Int64]) throws {}
    public func checkpointCompleted(_ positions: [Int64]) throws {}
    public var endedByStop: Bool { stop.isRequested }
}
