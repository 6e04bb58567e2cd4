import Synchronization

/// A request to end a run early and cleanly (SIGINT/SIGTERM): sources wrapped by
/// ``StoppableRecordSource`` or ``StoppableBlockSource`` then report end of input at their next
/// read, so the runner drains what is in flight, closes every window, flushes its sinks and
/// returns normally. Safe to request from any thread.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)
    public init() {}
    public func request() { requested.store(true, ordering: .relaxed) }
    public var isRequested: Bool { requested.load(ordering: .relaxed) }
}

/// A record source that ends when its ``StopSignal`` is requested.
public final class StoppableRecordSource: RecordSource {
    let inner: any RecordSource
    let stop: StopSignal
    public init(_ inner: any RecordSource, stop: StopSignal) {
        self.inner = inner
        self.stop = stop
    }
    public var name: String { inner.name }
    public func open(schema: Schema) throws { try inner.open(schema: schema) }
    public func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool {
        stop.isRequested ? false : try inner.next(into: batch, deadLetters: deadLetters)
    }
    public var recordsRead: Int64 { inner.recordsRead }
    public var bytesRead: Int64 { inner.bytesRead }
    public var totalBytes: Int64? { inner.totalBytes }
}

/// A block source that ends when its ``StopSignal`` is requested.
public final class StoppableBlockSource: BlockSource {
    let inner: any BlockSource
    let stop: StopSignal
    public init(_ inner: any BlockSource, stop: StopSignal) {
        self.inner = inner
        self.stop = stop
    }
    public var name: String { inner.name }
    public func open(schema: Schema) throws { try inner.open(schema: schema) }
    public func makeDecoder() -> any RecordDecoder { inner.makeDecoder() }
    public func next(into block: Block, maxLines: Int) throws -> Bool {
        stop.isRequested ? false : try inner.next(into: block, maxLines: maxLines)
    }
    public var bytesRead: Int64 { inner.bytesRead }
    public var totalBytes: Int64? { inner.totalBytes }
}
