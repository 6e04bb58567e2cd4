/// Event-time progress per source partition, so a partitioned source (Kafka) is as correct as a
/// file: the stream's watermark is the *minimum* over partitions still delivering of the largest
/// event time each has shown (as Flink does), not the maximum over all records. One partition
/// racing ahead of another then makes no record of the slower one late. A partition that reached
/// its end, or went idle, no longer holds the watermark back (an idle one does again when it
/// delivers). Unpartitioned input (files) is one stream.
///
/// Every shard of a parallel run sees every batch (with its rows or without), so all shards keep
/// the same maxima and agree on the watermark.
struct SourceWatermarks {
    /// The largest event time of the unpartitioned stream, or of every partition together.
    private(set) var overall = Int64.min
    private var maxima: [Int64] = []
    private var finished: [Bool] = []

    /// Reads a batch's partition layout (once the source says how many partitions it has).
    mutating func configure(_ batch: Batch) {
        if batch.partitionCount > 0 && maxima.count != Int(batch.partitionCount) {
            maxima = Array(repeating: .min, count: Int(batch.partitionCount))
            finished = Array(repeating: false, count: Int(batch.partitionCount))
        }
    }

    /// For rows of partition `p` (-1: unpartitioned): the largest time `p` has shown so far, and the
    /// smallest largest-time among the other partitions still delivering (`.max` if none).
    func before(partition p: Int32) -> (own: Int64, others: Int64) {
        guard p >= 0, Int(p) < maxima.count else { return (overall, .max) }
        var others = Int64.max
        for (i, m) in maxima.enumerated() where i != Int(p) && !finished[i] { others = Swift.min(others, m) }
        return (maxima[Int(p)], others)
    }

    /// After a batch of partition `p`: its largest event time.
    mutating func observe(partition p: Int32, time: Int64) {
        if time > overall { overall = time }
        if p >= 0, Int(p) < maxima.count {
            if time > maxima[Int(p)] { maxima[Int(p)] = time }
            finished[Int(p)] = false  // an idle partition that delivers again holds the watermark again
        }
    }

    mutating func finish(_ partitions: [Int32]) {
        for p in partitions where p >= 0 && Int(p) < finished.count { finished[Int(p)] = true }
    }

    /// The largest event time the watermark may follow: the minimum over partitions still
    /// delivering (all finished: the overall maximum), or the stream's maximum when unpartitioned.
    var combined: Int64 {
        guard !maxima.isEmpty else { return overall }
        var low = Int64.max
        for (i, m) in maxima.enumerated() where !finished[i] { low = Swift.min(low, m) }
        return low == .max ? overall : low
    }

    func saveState(to w: inout StateWriter) {
        w.write(overall)
        w.write(maxima)
        w.write(finished.map { $0 ? UInt8(1) : 0 })
    }

    mutating func restoreState(from r: inout StateReader) throws(CheckpointError) {
        overall = try r.read()
        maxima = try r.readArray()
        finished = try r.readArray(of: UInt8.self).map { $0 != 0 }
        guard finished.count == maxima.count else { throw .corrupt("watermarks of \(maxima.count) partitions, \(finished.count) finished flags") }
    }
}
