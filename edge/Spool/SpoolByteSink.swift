import Sluice

/// A ``ByteSink`` whose records go into a ``Spool``, one spool record per line: what an encoder of
/// the pipeline's output writes to on the edge. ``flush()`` makes them durable (the runtime flushes
/// sinks before every checkpoint, so a checkpoint never covers output the spool could lose).
public final class SpoolByteSink: ByteSink, @unchecked Sendable {
    // Safe: written by the pipeline's shards one at a time (a LockedByteSink or a single shard in front).
    public let spool: Spool
    private var partial: [UInt8] = []
    /// Records appended.
    public private(set) var records: Int64 = 0
    public private(set) var bytes: Int64 = 0

    public init(spool: Spool) { self.spool = spool }

    public func write(_ chunk: UnsafeRawBufferPointer) throws {
        var start = 0
        for i in 0..<chunk.count where chunk[i] == UInt8(ascii: "\n") {
            if partial.isEmpty {
                try spool.append(UnsafeRawBufferPointer(rebasing: chunk[start..<i]))
            } else {
                partial += chunk[start..<i]
                try spool.append(partial)
                partial.removeAll(keepingCapacity: true)
            }
            records += 1
            bytes += Int64(i - start)
            start = i + 1
        }
        if start < chunk.count { partial += chunk[start...] }
    }

    public func flush() throws { try spool.flush() }
}
