/// A run of whole records cut from the input, decoded as one micro-batch.
///
/// Blocks are what make parallel decoding possible: the reader thread only
/// finds record boundaries (newlines outside quotes) and copies bytes; any
/// worker can then decode any block, knowing where in the input it starts.
public final class Block: @unchecked Sendable {
    // Safe: a block is filled by the reader thread, then handed (through the Monitor) to one worker.
    public let capacity: Int
    public let bytes: UnsafeMutablePointer<UInt8>
    public var count = 0
    /// 1-based line number and byte offset of the block's first byte in the input.
    public var firstLine: Int64 = 1
    public var offset: Int64 = 0
    /// Lines in the block (at most the batch capacity, so one block always fits one batch).
    public var lines = 0
    /// A record longer than the limit, cut short: the block holds its first bytes only.
    public var oversizedRecord = false
    /// Where the block's records came from, when it is more precise than the source's name
    /// (a Kafka partition: `topic[3]`, with `firstLine` its first record's offset).
    public var sourceName: String?
    /// The source partition of every record in the block (-1: unpartitioned), how many the source
    /// has, and which reached their end with this block: for per-partition watermarks.
    public var partition: Int32 = -1
    public var partitionCount: Int32 = 0
    public var finishedPartitions: [Int32] = []

    public init(capacity: Int) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }
}

/// An input that can be cut into blocks of whole records (files, stdin).
public protocol BlockSource: AnyObject {
    var name: String { get }
    /// Prepares to produce records of `schema` (a CSV source reads its header here).
    func open(schema: Schema) throws
    /// A decoder for this source's blocks, one per worker.
    func makeDecoder() -> any RecordDecoder
    /// Fills `block` with whole records, at most `maxLines` lines. Returns false at end of input.
    func next(into block: Block, maxLines: Int) throws -> Bool
    var bytesRead: Int64 { get }
    var totalBytes: Int64? { get }
}

/// A source that must keep doing something while the runtime cannot take its input (the pool of
/// units is exhausted because a sink or shard is slow): a Kafka consumer pauses fetching, so its
/// buffers stop growing, and keeps serving its group (heartbeats, rebalances), so a slow pipeline
/// is not mistaken for a dead member.
public protocol PausableSource: BlockSource {
    /// Called on the reader thread about every 100 ms while it waits for a free unit.
    func readerBlocked() throws
    /// Called once the reader has a unit again, after any ``readerBlocked()``.
    func readerUnblocked() throws
}

/// A source whose input can be taken away mid-run (Kafka partitions revoked in a consumer-group
/// rebalance). Before it gives input up, it calls ``drainHandler`` on the reader thread: the
/// runtime returns once every block handed out so far is processed and its output flushed, so
/// the source can commit exactly what was done and let the input go.
public protocol DrainableSource: BlockSource {
    var drainHandler: (() throws -> Void)? { get set }
}
