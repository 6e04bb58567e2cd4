import CRdKafka
import Sluice
import SluiceFiles

/// A Kafka topic as a ``BlockSource``: a reader thread polls messages in batches
/// (`rd_kafka_consume_batch_queue`) and lays their values out as newline-separated records, so
/// the file decoders (CSV without header, NDJSON) decode them unchanged, in parallel.
///
/// Each block holds messages of one partition with consecutive offsets: its `firstLine` is the
/// first message's offset and its `sourceName` is `topic[partition]`, so dead letters name the
/// exact message. By default the source assigns every partition itself, starting at the group's
/// committed offset, else at `start`. With `mode=subscribe` it joins the consumer group and reads
/// the partitions Kafka assigns; on revocation it first lets the runtime drain and flush what it
/// handed out (``DrainableSource``), commits those partitions' offsets, then gives them up, so the
/// next owner continues exactly there (stateless pipelines; keyed state does not move yet). With `untilEnd` it stops at the end offsets present when it opened; otherwise
/// it runs until ``stop()``. Offsets are committed only by ``commit()``, which the caller invokes
/// after the output those records produced is flushed and acknowledged (at-least-once).
public final class KafkaBlockSource: BlockSource, DrainableSource, PausableSource {
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
    /// Per partition: whether this consumer reads it now (all, unless `mode=subscribe`).
    private var assigned: [Bool] = []
    /// Reaches the source from librdkafka's rebalance callback (C, no captures: via the opaque).
    private let relay = RebalanceRelay()
    /// Set by the runtime: returns once everything handed out is processed and flushed.
    public var drainHandler: (() throws -> Void)?
    /// Records behind the partitions' ends, summed over the partitions this consumer reads, as of
    /// the last second (librdkafka's cached end offsets, no broker round trip); nil until known.
    /// Any thread (for metrics).
    public var consumerLag: Int64? { lagLock.withLock { publishedLag } }
    private let lagLock = Monitor()
    private var publishedLag: Int64?
    private var nextLagUpdate = 0.0
    /// Set by the runtime when it keeps state per partition: it restores state on assignment (and
    /// says where to read from) and saves it on revocation; commits then follow its saves only.
    public var partitionHandler: (any PartitionAssignmentHandler)?
    /// A failure inside the rebalance callback, thrown by the next `next(into:maxLines:)`.
    private var rebalanceError: (any Error)?
    /// Rebalances seen (assignments received), for logs and tests.
    public private(set) var assignments = 0
    /// One line per rebalance event (partitions assigned; partitions revoked, with how long the
    /// drain and commit took), for the run's log. Called on the reader thread.
    public var rebalanceLog: ((String) -> Void)?
    /// `mode=subscribe`: seconds between commits of what was processed and flushed (each drains
    /// the pipeline briefly), so a partition that moves is re-read from at most this far back.
    public let commitIntervalSeconds: Double
    private var nextCommit = 0.0
    /// Commits the broker refused because the group was rebalancing (the next owner re-reads from
    /// the previous commit: duplicates, never loss). librdkafka's built-in cluster always refuses them.
    public private(set) var refusedCommits = 0
    /// Partitions paused because the pipeline could not take more (see ``readerBlocked()``).
    private var paused: [Int] = []
    /// Times fetching was paused for backpressure.
    public private(set) var pauses = 0
    /// False with transactional output: offsets are committed inside the output transaction, never on their own.
    public var commitsOffsets = true

    /// The consumer group's metadata, for a transactional producer's offsets (the caller destroys it
    /// with `rd_kafka_consumer_group_metadata_destroy`). See ``KafkaRecordSink/commitTransaction(positions:of:last:)``.
    func groupMetadata() -> OpaquePointer? { rd_kafka_consumer_group_metadata(rk) }

    /// The group's committed offset per partition (-1: none).
    public func committedOffsets() throws -> [Int64] {
        try SluiceKafka.committedOffsets(rk, topic: endpoint.topic, partitions: TopicOffsets(rk, topic: endpoint.topic).partitions).map { $0 ?? -1 }
    }
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
        commitIntervalSeconds = endpoint.commitIntervalSeconds ?? 5
        stopSignal = stop
        self.endpoint = endpoint
        self.format = format
        self.untilEnd = untilEnd
        var all = ["bootstrap.servers": endpoint.bootstrapServers, "group.id": endpoint.group ?? "sluice-\(endpoint.topic)",
                   "enable.auto.commit": "false", "enable.auto.offset.store": "false", "queued.min.messages": "200000",
                   "fetch.wait.max.ms": "50", "enable.partition.eof": "true", "log_level": "3"]
        if endpoint.subscribe { all["auto.offset.reset"] = endpoint.startAtLatest ? "latest" : "earliest" }
        for (k, v) in settings { all[k] = v }
        let conf = try makeConfiguration(all)
        if endpoint.subscribe {
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(relay).toOpaque())
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let opaque else { return }
                let relay = Unmanaged<RebalanceRelay>.fromOpaque(opaque).takeUnretainedValue()
                guard let source = relay.source, let partitions else {
                    rd_kafka_assign(rk, nil)
                    return
                }
                source.rebalance(err, partitions)
            }
        }
        rk = try makeClient(RD_KAFKA_CONSUMER, conf)
        queue = rd_kafka_queue_get_consumer(rk)
        messages = .allocate(capacity: 4096)
        relay.source = self
    }

    deinit {
        relay.source = nil  // closing revokes the assignment: no callback into a source being torn down
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
        if endpoint.subscribe {
            try subscribe(offsets)
            return
        }
        assigned = Array(repeating: true, count: partitions)

        // Start: the group's committed offset, else earliest/latest; stop (until-end): the end now.
        let committed = try SluiceKafka.committedOffsets(rk, topic: topic, partitions: partitions)
        nextOffset = (0..<partitions).map { committed[$0] ?? (endpoint.startAtLatest ? offsets.high[$0] : offsets.low[$0]) }
        endOffset = offsets.high
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

    /// `mode=subscribe`: joins the group; partitions arrive through ``rebalance(_:_:)``.
    private func subscribe(_ offsets: TopicOffsets) throws {
        guard !untilEnd else { throw KafkaError("--until-end reads every partition up to its end; it cannot be combined with mode=subscribe") }
        guard resumePositions == nil else { throw KafkaError("checkpoints cannot be combined with mode=subscribe yet (state does not move with partitions)") }
        nextOffset = Array(repeating: -1, count: partitions)
        endOffset = offsets.high
        assigned = Array(repeating: false, count: partitions)
        splitQueues()
        lastDelivery = Array(repeating: monotonicSeconds(), count: partitions)
        reportedDone = Array(repeating: false, count: partitions)
        let list = rd_kafka_topic_partition_list_new(1)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, endpoint.topic, RD_KAFKA_PARTITION_UA)
        let err = rd_kafka_subscribe(rk, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("cannot subscribe to \(endpoint.topic)", err) }
    }

    /// Whether the group uses the cooperative protocol (`partition.assignment.strategy=cooperative-sticky`):
    /// partitions are then added and removed incrementally instead of the whole assignment at once.
    private var isCooperative: Bool { rd_kafka_rebalance_protocol(rk).map { String(cString: $0) == "COOPERATIVE" } ?? false }

    /// librdkafka's rebalance callback, on the reader thread (inside a poll of the consumer queue).
    /// Revocation: drain and flush what was handed out, commit it, forget what was polled but not
    /// handed out (the next owner reads it again from the committed offset), then let go.
    fileprivate func rebalance(_ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        var mine: [Int] = []
        for i in 0..<Int(list.pointee.cnt) {
            let e = list.pointee.elems[i]
            if String(cString: e.topic) == endpoint.topic, Int(e.partition) < partitions { mine.append(Int(e.partition)) }
        }
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let now = monotonicSeconds()
            for p in mine {
                assigned[p] = true
                nextOffset[p] = -1  // known from the first record (or end-of-partition) delivered
                leftovers[p] = []
                lastDelivery[p] = now
                reportedDone[p] = false
            }
            assignments += 1
            if let partitionHandler {
                // Each partition starts where its saved state ends; without state, at the topic's
                // start (not the group's committed offset: the state before it would be missing).
                do {
                    let restored = try partitionHandler.partitionsAssigned(mine)
                    for i in 0..<Int(list.pointee.cnt) where String(cString: list.pointee.elems[i].topic) == endpoint.topic {
                        let p = Int(list.pointee.elems[i].partition)
                        if let position = restored[p] {
                            list.pointee.elems[i].offset = position
                            if p < partitions { nextOffset[p] = position }
                        } else {
                            list.pointee.elems[i].offset = endpoint.startAtLatest ? Int64(RD_KAFKA_OFFSET_END) : Int64(RD_KAFKA_OFFSET_BEGINNING)
                        }
                    }
                } catch {
                    if rebalanceError == nil { rebalanceError = error }
                }
            }
            // With per-partition state the runtime logs the assignment, with what it restored.
            if partitionHandler == nil { rebalanceLog?("kafka: assigned \(mine.count) partition\(mine.count == 1 ? "" : "s") of \(endpoint.topic): \(mine.sorted())") }
            if isCooperative {
                if let error = rd_kafka_incremental_assign(rk, list) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, list)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let start = monotonicSeconds()
            let refusedBefore = refusedCommits
            do {
                if let partitionHandler {
                    try partitionHandler.partitionsRevoked(mine, positions: Dictionary(uniqueKeysWithValues: mine.map { ($0, nextOffset[$0]) }))
                } else {
                    try drainHandler?()
                }
                try commitToleratingRebalance(mine.map { (partition: $0, offset: nextOffset[$0]) })
            } catch {
                if rebalanceError == nil { rebalanceError = error }
            }
            let took = Int((monotonicSeconds() - start) * 1000)
            rebalanceLog?("kafka: revoked \(mine.count) partition\(mine.count == 1 ? "" : "s") of \(endpoint.topic) \(mine.sorted()): drained and flushed in \(took) ms, "
                + (refusedCommits > refusedBefore ? "offset commit refused (group rebalancing): the next owner re-reads since the last commit" : "offsets committed"))
            for p in mine {
                assigned[p] = false
                leftovers[p] = []
                nextOffset[p] = -1  // no longer ours: never part of a later commit
            }
            if isCooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, nil)
            }
        default:
            rd_kafka_assign(rk, nil)
        }
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
        let waitStarted = monotonicSeconds()
        if waitStarted >= nextLagUpdate {
            nextLagUpdate = waitStarted + 1
            publishLag()
        }
        outer: while !stopSignal.isRequested {
            if allAtEnd { break }
            if endpoint.subscribe {
                // Rebalances and group events are served from the consumer queue: poll it between blocks.
                try serveConsumerQueue(timeoutMilliseconds: 0)
                let now = monotonicSeconds()
                if now >= nextCommit && partitionHandler == nil {
                    nextCommit = now + commitIntervalSeconds
                    if !positions.isEmpty {
                        try drainHandler?()
                        try commitToleratingRebalance(positions)
                    }
                }
            }
            for _ in 0..<partitions {
                let p = roundRobin
                roundRobin = (roundRobin + 1) % partitions
                if !assigned[p] { continue }
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
            try serveConsumerQueue(timeoutMilliseconds: 50)
            if !untilEnd, hasNewlyIdlePartition { break }
            // A group member hands over an empty block at least every second while idle, so the
            // runtime's periodic work (saving state, reporting status) goes on without input.
            if endpoint.subscribe, monotonicSeconds() - waitStarted >= 1 { break }
        }
        block.partition = block.lines > 0 ? partition : -1
        block.partitionCount = Int32(partitions)
        block.finishedPartitions = newlyDone()
        if block.lines == 0 && (!block.finishedPartitions.isEmpty || endpoint.subscribe) && !stopSignal.isRequested && !allAtEnd {
            return true  // an empty block that only says partitions finished or went idle (or, in a group, that time passed)
        }
        return block.lines > 0
    }

    /// On the reader thread: the lag of the partitions read, from the end offsets librdkafka last fetched.
    private func publishLag() {
        var lag: Int64 = 0
        var known = false
        for p in 0..<partitions where assigned[p] && nextOffset[p] >= 0 {
            var low: Int64 = 0, high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(rk, endpoint.topic, Int32(p), &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
            lag += max(0, high - nextOffset[p])
            known = true
        }
        let value = known ? lag : nil
        lagLock.withLock { publishedLag = value }
    }

    /// Commits, but a commit the group refuses because it is rebalancing is counted, not fatal.
    private func commitToleratingRebalance(_ offsets: [(partition: Int, offset: Int64)]) throws {
        do {
            try commit(offsets)
        } catch let error as KafkaError where error.code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || error.code == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION {
            refusedCommits += 1
        }
    }

    /// Polls the consumer queue: errors, group events and rebalances (whose callback runs here).
    private func serveConsumerQueue(timeoutMilliseconds: Int32) throws {
        let n = rd_kafka_consume_batch_queue(queue, timeoutMilliseconds, messages, 64)
        if n > 0 {
            for i in 0..<n {
                let m = messages[i]!
                defer { rd_kafka_message_destroy(m) }
                let msg = m.pointee
                if msg.err == RD_KAFKA_RESP_ERR__FATAL { throw KafkaError("consuming \(endpoint.topic)", msg.err) }
                // A record that reached the shared queue anyway is kept, never dropped.
                if msg.err == RD_KAFKA_RESP_ERR_NO_ERROR, Int(msg.partition) < partitions, assigned[Int(msg.partition)],
                   !(untilEnd && msg.offset >= endOffset[Int(msg.partition)]) {
                    leftovers[Int(msg.partition)].append((msg.offset, Array(UnsafeRawBufferPointer(start: msg.payload, count: msg.len))))
                }
            }
        }
        if let error = rebalanceError {
            rebalanceError = nil
            throw error
        }
    }

    private var resumePositions: [Int64]?

    /// The offsets to commit: per partition, the next offset to read.
    public var positions: [(partition: Int, offset: Int64)] {
        (0..<partitions).filter { assigned[$0] && nextOffset[$0] >= 0 }.map { ($0, nextOffset[$0]) }
    }

    /// Commits the offsets of every record handed out so far (call after the output they produced
    /// was flushed and acknowledged). Synchronous.
    public func commit() throws {
        if endpoint.subscribe { try commitToleratingRebalance(positions) } else { try commit(positions) }
    }

    /// Commits `offsets` (per partition) as the group's position. Synchronous; any thread.
    func commit(_ offsets: [Int64]) throws { try commit(offsets.enumerated().map { (partition: $0.offset, offset: $0.element) }) }

    /// Commits the given partitions' offsets (unknown ones, < 0, are skipped). Synchronous; any thread.
    func commit(_ offsets: [(partition: Int, offset: Int64)]) throws {
        let known = offsets.filter { $0.offset >= 0 }
        guard !known.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(known.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (p, offset) in known { rd_kafka_topic_partition_list_add(list, endpoint.topic, Int32(p)).pointee.offset = offset }
        let err = rd_kafka_commit(rk, list, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else { throw KafkaError("committing offsets of \(endpoint.topic)", err) }
    }
}

extension KafkaBlockSource: PartitionedSource {
    public var checkpointPositions: [Int64] { nextOffset }

    public func resume(from positions: [Int64]) throws { resumePositions = positions }

    /// Commits the checkpoint's offsets, so tools that read the group's offsets (lag) see progress
    /// (unless a transactional sink commits them inside its transaction).
    public func checkpointCompleted(_ positions: [Int64]) throws {
        guard commitsOffsets else { return }
        let offsets = positions.enumerated().map { (partition: $0.offset, offset: $0.element) }
        // A group member's commit may meet a rebalance: the saved state, not the commit, is what resumes.
        if endpoint.subscribe { try commitToleratingRebalance(offsets) } else { try commit(offsets) }
    }

    public var endedByStop: Bool { stopSignal.isRequested }
}

/// The object librdkafka's rebalance callback reaches through its opaque pointer.
final class RebalanceRelay {
    /// Unowned: the source owns the relay; cleared before the consumer closes.
    unowned(unsafe) var source: KafkaBlockSource?
}

extension KafkaBlockSource {
    /// Backpressure: the pipeline has no room, so stop fetching the assigned partitions (librdkafka
    /// would otherwise keep filling its queues) and keep serving the group meanwhile, so a slow
    /// pipeline neither grows memory nor misses `max.poll.interval.ms`.
    public func readerBlocked() throws {
        if paused.isEmpty {
            paused = (0..<partitions).filter { assigned[$0] }
            if !paused.isEmpty {
                try setPaused(paused, true)
                pauses += 1
            }
        }
        try serveConsumerQueue(timeoutMilliseconds: 0)
    }

    public func readerUnblocked() throws {
        guard !paused.isEmpty else { return }
        // Partitions revoked meanwhile are no longer ours to resume.
        let resume = paused.filter { assigned[$0] }
        paused = []
        if !resume.isEmpty { try setPaused(resume, false) }
    }

    private func setPaused(_ ps: [Int], _ pause: Bool) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(ps.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for p in ps { rd_kafka_topic_partition_list_add(list, endpoint.topic, Int32(p)) }
        let err = pause ? rd_kafka_pause_partitions(rk, list) : rd_kafka_resume_partitions(rk, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError("\(pause ? "pausing" : "resuming") \(endpoint.topic)", err) }
    }
}
