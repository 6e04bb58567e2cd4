import CRdKafka
import Sluice
import SluiceFiles

/// A Kafka topic as a ``BlockSource``: a reader thread polls messages in batches
/// (`rd_kafka_consume_batch_queue`) and lays their values out as newline-separated records, so
/// the file decoders (CSV without header, NDJSON) decode them unchanged, in parallel.
///
/// Each block holds messages of one partition with consecutive offsets: its `firstLine` is the
/// first message's offset and its `sourceName` is `topic[partition]`, so dead letters name the
/// exact message. The source assigns every partition itself (one consumer; consumer-group
/// rebalancing across processes is the scale-out issue), starting at the group's committed offset,
/// else at `start`. With `untilEnd` it stops at the end offsets present when it opened; otherwise
/// it runs until ``stop()``. Offsets are committed only by ``commit()``, which the caller invokes
/// after the output those records produced is flushed and acknowledged (at-least-once).
public final class KafkaBlockSource: BlockSource {
    public let endpoint: KafkaEndpoint
    public let format: RecordFormat
    public let untilEnd: Bool
    private let rk: OpaquePointer
    private let queue: OpaquePointer
    private var partitions = 0
    /// Per partition: the next offset to read, and (until-end) where to stop.
    private var nextOffset: [Int64] = []
    private var endOffset: [Int64] = []
    private var partitionQueues: [OpaquePointer] = []
    /// Per partition: records polled that did not fit the block they came with.
    private var leftovers: [[(offset: Int64, bytes: [UInt8])]] = []
    private var roundRobin = 0
    /// Set by a signal handler (``StopSignal``): ends the stream at the next block boundary.
    public let stopSignal: StopSignal
    private var messages: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    public private(set) var bytesRead: Int64 = 0
    public private(set) var recordsRead: Int64 = 0
    public var totalBytes: Int64? { nil }
    public var name: String { "kafka://\(endpoint.topic)" }

    /// In a continuous run, a partition that delivered nothing for this long stops holding the
    /// watermark back (it resumes when a record arrives), as Flink's `withIdleness`.
    public let idleTimeoutSeconds: Double
    private var lastDelivery: [Double] = []
    private var reportedDone: [Bool] = []

    public init(_ endpoint: KafkaEndpoint, format: RecordFormat, untilEnd: Bool, settings: [String: String] = [:], idleTimeoutSeconds: Double = 5,
                stop: StopSignal = StopSignal()) throws {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        stopSignal = stop
        self.endpoint = endpoint
        self.format = format
        self.untilEnd = untilEnd
        var all = ["bootstrap.servers": endpoint.bootstrapServers, "group.id": endpoint.group ?? "sluice-\(endpoint.topic)",
                   "enable.auto.commit": "false", "enable.auto.offset.store": "false", "queued.min.messages": "200000",
                   "fetch.wait.max.ms": "50", "enable.partition.eof": "true", "log_level": "3"]
        for (k, v) in settings { all[k] = v }
        rk = try makeClient(RD_KAFKA_CONSUMER, try makeConfiguration(all))
        queue = rd_kafka_queue_get_consumer(rk)
        messages = .allocate(capacity: 4096)
    }

    deinit {
        messages.deallocate()
        for q in partitionQueues { rd_kafka_queue_destroy(q) }
        rd_kafka_queue_destroy(queue)
        rd_kafka_consumer_close(rk)
        rd_kafka_destroy(rk)
    }

    /// Ends the stream at the next block boundary (SIGINT/SIGTERM): the runner then drains and flushes.
    public func stop() { stopSignal.request() }

    public func makeDecoder() -> any RecordDecoder { format.makeDecoder(csvHeader: false) }

    public func open(schema: Schema) throws {
        let topic = endpoint.topic
        let offsets = try TopicOffsets(rk, topic: topic)
        partitions = offsets.partitions

        // Start: the group's committed offset, else earliest/latest; stop (until-end): the end now.
        let committed = rd_kafka_topic_partition_list_new(Int32(partitions))!
        defer { rd_kafka_topic_partition_list_destroy(committed) }
        for p in 0..<partitions { rd_kafka_topic_partition_list_add(committed, topic, Int32(p)) }
        let cErr = rd_kafka_committed(rk, committed, 10_000)
        guard cErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("committed offsets of \(topic)", cErr) }
        nextOffset = []
        endOffset = []
        for p in 0..<partitions {
            let c = committed.pointee.elems[p].offset
            nextOffset.append(c >= 0 ? c : (endpoint.startAtLatest ? offsets.high[p] : offsets.low[p]))
            endOffset.append(offsets.high[p])
        }
        if let resumePositions {
            // A checkpoint's positions win over the group's committed offsets (a crash may have
            // come between writing the checkpoint and committing).
            guard resumePositions.count == partitions else {
                throw KafkaError("the checkpoint holds positions for \(resumePositions.count) partitions of \(topic), which now has \(partitions)")
            }
            for p in 0..<partitions {
                guard resumePositions[p] >= offsets.low[p] else {
                    throw KafkaError("the checkpoint resumes \(topic)[\(p)] at offset \(resumePositions[p]), but the broker deleted everything before \(offsets.low[p]) (retention): \(offsets.low[p] - resumePositions[p]) records are lost. Start over with an empty checkpoint directory to accept that.")
                }
                nextOffset[p] = resumePositions[p]
            }
        }
        let assignment = rd_kafka_topic_partition_list_new(Int32(partitions))!
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        for p in 0..<partitions { rd_kafka_topic_partition_list_add(assignment, topic, Int32(p)).pointee.offset = nextOffset[p] }
        splitQueues()  // before assigning: no message may reach the shared queue first
        let aErr = rd_kafka_assign(rk, assignment)
        guard aErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("cannot assign \(topic)", aErr) }
        lastDelivery = Array(repeating: monotonicSeconds(), count: partitions)
        reportedDone = Array(repeating: false, count: partitions)
    }

    private var hasNewlyIdlePartition: Bool {
        let now = monotonicSeconds()
        return (0..<partitions).contains { !reportedDone[$0] && now - lastDelivery[$0] >= idleTimeoutSeconds }
    }

    /// Partitions that reached their end (until-end) or went idle (continuous) since last reported.
    private func newlyDone() -> [Int32] {
        var done: [Int32] = []
        let now = untilEnd ? 0 : monotonicSeconds()
        for p in 0..<partitions where !reportedDone[p] {
            let isDone = untilEnd ? nextOffset[p] >= endOffset[p] && (leftovers.isEmpty || leftovers[p].isEmpty)
                                  : now - lastDelivery[p] >= idleTimeoutSeconds
            if isDone {
                reportedDone[p] = true
                done.append(Int32(p))
            }
        }
        return done
    }

    /// Partitions whose records up to the end offsets were all read (until-end).
    private var allAtEnd: Bool {
        untilEnd && (0..<partitions).allSatisfy { nextOffset[$0] >= endOffset[$0] && (leftovers.isEmpty || leftovers[$0].isEmpty) }
    }

    /// Takes a partition's messages off the shared consumer queue: each partition gets its own
    /// queue, so a block is filled from one partition with one batch poll.
    private func splitQueues() {
        for p in 0..<partitions {
            let q = rd_kafka_queue_get_partition(rk, endpoint.topic, Int32(p))!
            rd_kafka_queue_forward(q, nil)
            partitionQueues.append(q)
        }
        leftovers = Array(repeating: [], count: partitions)
    }

    public func next(into block: Block, maxLines: Int) throws -> Bool {
        block.count = 0
        block.lines = 0
        block.oversizedRecord = false
        block.partition = -1
        var partition: Int32 = -1
        /// Appends one record; false if the block is full (the record was not taken).
        func append(_ p: Int32, _ offset: Int64, _ bytes: UnsafeRawBufferPointer) -> Bool {
            let needsNewline = bytes.last != UInt8(ascii: "\n")
            let size = bytes.count + (needsNewline ? 1 : 0)
            if block.lines > 0 && (block.count + size > block.capacity || block.lines >= maxLines) { return false }
            if block.lines == 0 {
                partition = p
                block.firstLine = offset
                block.offset = 0
                block.sourceName = "\(endpoint.topic)[\(p)]"
            }
            let room = min(size, block.capacity - block.count)
            if let base = bytes.baseAddress { (block.bytes + block.count).update(from: base.assumingMemoryBound(to: UInt8.self), count: min(bytes.count, room)) }
            if needsNewline && room > bytes.count { block.bytes[block.count + bytes.count] = UInt8(ascii: "\n") }
            if room < size { block.oversizedRecord = true }
            block.count += room
            block.lines += 1
            bytesRead += Int64(bytes.count)
            recordsRead += 1
            nextOffset[Int(p)] = offset + 1
            return true
        }
        outer: while !stopSignal.isRequested {
            if allAtEnd { break }
            for _ in 0..<partitions {
                let p = roundRobin
                roundRobin = (roundRobin + 1) % partitions
                // Records that did not fit the previous block come first.
                if !leftovers[p].isEmpty {
                    var taken = 0
                    for record in leftovers[p] {
                        guard record.bytes.withUnsafeBytes({ append(Int32(p), record.offset, $0) }) else { break }
                        taken += 1
                    }
                    leftovers[p].removeFirst(taken)
                    break outer
                }
                if untilEnd && nextOffset[p] >= endOffset[p] { continue }
                let n = rd_kafka_consume_batch_queue(partitionQueues[p], 0, messages, min(maxLines, 4096))
                guard n > 0 else { continue }
                var failure: KafkaError?
                for i in 0..<n {
                    let m = messages[i]!
                    defer { rd_kafka_message_destroy(m) }
                    let msg = m.pointee
                    if failure != nil { continue }
                    if msg.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                        // Caught up: offsets up to here hold nothing more for us (control records of
                        // transactions, compacted gaps), so the partition's position moves there.
                        if leftovers[p].isEmpty {
                            nextOffset[p] = Swift.max(nextOffset[p], untilEnd ? Swift.min(msg.offset, endOffset[p]) : msg.offset)
                        }
                        continue
                    }
                    guard msg.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        failure = KafkaError("consuming \(endpoint.topic)[\(p)]", msg.err)
                        continue
                    }
                    if untilEnd && msg.offset >= endOffset[p] { continue }
                    let value = UnsafeRawBufferPointer(start: msg.payload, count: msg.len)
                    if !leftovers[p].isEmpty || !append(msg.partition, msg.offset, value) {
                        leftovers[p].append((msg.offset, Array(value)))
                    }
                }
                if let failure { throw failure }
                if !untilEnd {
                    lastDelivery[p] = monotonicSeconds()
                    reportedDone[p] = false  // an idle partition delivering again holds the watermark again
                }
                if block.lines > 0 { break outer }
            }
            // Nothing waiting in any partition: serve the consumer queue (errors, events) while waiting.
            let n = rd_kafka_consume_batch_queue(queue, 50, messages, 64)
            if n > 0 {
                for i in 0..<n {
                    let m = messages[i]!
                    defer { rd_kafka_message_destroy(m) }
                    let msg = m.pointee
                    if msg.err == RD_KAFKA_RESP_ERR__FATAL { throw KafkaError("consuming \(endpoint.topic)", msg.err) }
                    // A record that reached the shared queue anyway is kept, never dropped.
                    if msg.err == RD_KAFKA_RESP_ERR_NO_ERROR, Int(msg.partition) < partitions, !(untilEnd && msg.offset >= endOffset[Int(msg.partition)]) {
                        leftovers[Int(msg.partition)].append((msg.offset, Array(UnsafeRawBufferPointer(start: msg.payload, count: msg.len))))
                    }
                }
            }
            if !untilEnd, hasNewlyIdlePartition { break }
        }
        block.partition = block.lines > 0 ? partition : -1
        block.partitionCount = Int32(partitions)
        block.finishedPartitions = newlyDone()
        if block.lines == 0 && !block.finishedPartitions.isEmpty && !stopSignal.isRequested && !allAtEnd {
            return true  // an empty block that only says partitions finished or went idle
        }
        return block.lines > 0
    }

    private var resumePositions: [Int64]?

    /// The offsets to commit: per partition, the next offset to read.
    public var positions: [(partition: Int, offset: Int64)] { (0..<partitions).map { ($0, nextOffset[$0]) } }

    /// Commits the offsets of every record handed out so far (call after the output they produced
    /// was flushed and acknowledged). Synchronous.
    public func commit() throws { try commit(nextOffset) }

    /// Commits `offsets` (per partition) as the group's position. Synchronous; any thread.
    func commit(_ offsets: [Int64]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (p, offset) in offsets.enumerated() { rd_kafka_topic_partition_list_add(list, endpoint.topic, Int32(p)).pointee.offset = offset }
        let err = rd_kafka_commit(rk, list, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else { throw KafkaError("committing offsets of \(endpoint.topic)", err) }
    }
}

extension KafkaBlockSource: CheckpointableSource {
    public var checkpointPositions: [Int64] { nextOffset }

    public func resume(from positions: [Int64]) throws { resumePositions = positions }

    /// Commits the checkpoint's offsets, so tools that read the group's offsets (lag) see progress.
    public func checkpointCompleted(_ positions: [Int64]) throws { try commit(positions) }

    public var endedByStop: Bool { stopSignal.isRequested }
}
