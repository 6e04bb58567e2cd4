import Foundation
import Sluice
import SluiceFiles
import SluiceKafka
import Synchronization

/// The edge agent: follows its input, runs the pipeline (cleaning, anonymisation, windowed
/// pre-aggregation) with its window state checkpointed locally, writes the results to the spool,
/// and forwards the spool upstream — so the device keeps working, and keeps its results, while the
/// network is away.
///
/// Durability: a checkpoint holds the window state and the input position, and is written only after
/// the output before it is in the spool and flushed; a restart resumes from it, so a half-built window
/// is neither lost nor counted twice. Records leave the spool only when the upstream acknowledged them.
public final class EdgeAgent: @unchecked Sendable {
    // Safe: other threads (metrics, /healthz) use only the spool, the forwarder and the upstreams'
    // byte counters (thread-safe), `stop` (thread-safe), and read the input and output byte counts,
    // each written by one thread (aligned 64-bit loads; a sample may be a moment old, never torn).
    public let config: EdgeConfig
    public let spec: PipelineSpec
    public let stop: StopSignal
    public let spool: Spool
    public let forwarder: SpoolForwarder
    public let upstream: any Upstream
    public let output: SpoolByteSink
    public let runner: ParallelRunner
    let source: any BlockSource
    private let deadLetterSink: FileByteSink?
    /// The `POST /ingest` server, for an HTTP input (listening from the agent's creation).
    public let ingest: HTTPIngestServer?
    private let log: @Sendable (String, _ warning: Bool) -> Void

    /// - Parameters: settings: librdkafka properties for a Kafka output; observer: the run's metrics.
    public init(config: EdgeConfig, spec: PipelineSpec, settings: [String: String] = [:], observer: (any RunObserver)? = nil,
                log: @escaping @Sendable (String, _ warning: Bool) -> Void) throws {
        let problems = config.problems
        guard problems.isEmpty else { throw EdgeError(problems.map(\.description).joined(separator: "; ")) }
        self.config = config
        self.spec = spec
        self.log = log
        let stop = StopSignal()
        self.stop = stop
        let state = config.stateDir
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        spool = try Spool(directory: state + "/spool", options: config.spoolOptions, onEvent: { event in
            switch event {
            case .dropped(let n, let segment): log("spool full: dropped \(n) unacknowledged records (\(segment), policy drop-oldest)", true)
            case .quarantined(let segment, let reason, let n): log("spool segment \(segment) is corrupt (\(reason)): moved to quarantine/, \(n) records lost; going on", true)
            }
        })
        let format = RecordFormat(rawValue: config.inputFormat) ?? .csv
        if let file = config.input.file {
            let tail = FileTailSource(path: file, format: format, hasHeader: config.input.header ?? true, stop: stop)
            tail.onEvent = { log($0, false) }
            source = tail
            ingest = nil
        } else if let http = config.input.http {
            let token = try http.token ?? http.tokenEnv.map { name in
                guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                    throw EdgeError("input.http.token_env: the environment variable \(name) is not set")
                }
                return value
            }
            let options = HTTPIngestOptions(host: http.host ?? "0.0.0.0", port: http.port, token: token,
                                            maxBodyBytes: http.maxBody.flatMap(EdgeConfig.bytes) ?? 1 << 20,
                                            tls: http.tls.map { HTTPIngestOptions.TLSFiles(certificate: $0.cert, key: $0.key) })
            // Small: it only absorbs bursts (the pipeline takes millions of records a second); a device has little memory.
            let queue = HTTPIngestSource(maxQueuedBytes: max(4 << 20, 2 * options.maxBodyBytes), stop: stop)
            source = queue
            let spool = spool
            ingest = try HTTPIngestServer(options: options, source: queue, spoolFull: { spool.isFull })
        } else {
            source = StdinSource(format: format, hasHeader: config.input.header ?? true, stop: stop)
            ingest = nil
        }
        let outFormat = RecordFormat(rawValue: config.output.format ?? "csv") ?? .csv
        output = SpoolByteSink(spool: spool)
        let sink = outFormat.makeEncoder(sink: output, csvHeader: false, wholeRecords: true, decimals: config.output.decimals)
        // Rejected records are kept with their reason (appended across restarts), and counted.
        deadLetterSink = try config.deadLetterPath.map { path in
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            return try FileByteSink(appendingTo: path)
        }
        runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 1, prefetch: 2), source: source, sink: sink,
                                    deadLetters: DeadLetters(sink: deadLetterSink))
        runner.observer = observer
        if source is any CheckpointableSource {  // every input of the agent is
            runner.checkpointing = CheckpointOptions(store: try CheckpointStore(directory: state + "/checkpoints"), intervalSeconds: config.checkpointSeconds,
                                                     restored: { checkpoint in log("resuming from checkpoint \(checkpoint.id): window state and input position restored", false) })
        }
        // Window results are keyed by the window's key fields: a key's results share a partition, so they arrive in order.
        var keyFields = 0
        for step in spec.steps { if case .window(let w) = step { keyFields = w.by.count } }
        if let kafka = config.output.kafka {
            upstream = try KafkaUpstream(bootstrapServers: kafka.brokers, topic: kafka.topic, keyFields: outFormat == .csv ? keyFields : 0, settings: settings)
        } else {
            let http = config.output.http!
            let token = http.token ?? http.tokenEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
            upstream = HTTPUpstream(url: URL(string: http.url)!, token: token, contentType: outFormat == .csv ? "text/csv" : "application/x-ndjson",
                                    timeoutSeconds: http.timeout.flatMap(EdgeConfig.seconds) ?? 10)
        }
        forwarder = SpoolForwarder(spool: spool, upstream: upstream, batchSize: config.output.batch ?? 1000,
                                   log: { message, up in log(message, !up) })
        if let kafka = upstream as? KafkaUpstream {
            let forwarder = forwarder
            // A Kafka send waits while the brokers are away: after 2 s without any acknowledgement, say so.
            kafka.waiting = { seconds in if seconds >= 2 { forwarder.sendIsStalled(seconds: seconds) } }
        }
    }

    /// Runs until ``stop`` is requested (SIGTERM) or stdin ends; then takes the final checkpoint, gives the
    /// upstream a few seconds for what is left, and returns (undelivered records wait in the spool).
    public func run() throws -> RunSummary {
        forwarder.start()
        // A stop while the spool is full (policy block, upstream away) would leave the pipeline waiting
        // for room that never comes: once a stop is requested, the spool takes what is left beyond its cap.
        let finished = Atomic<Bool>(false)
        let spool = spool, stop = stop
        Thread {
            while !finished.load(ordering: .relaxed) {
                if stop.isRequested { spool.allowOverflow(); return }
                usleep(50_000)
            }
        }.start()
        defer { finished.store(true, ordering: .relaxed) }
        let summary: RunSummary
        do {
            summary = try runner.run()
        } catch {
            forwarder.stop(timeoutSeconds: 3)
            throw error
        }
        try spool.flush()
        try runner.deadLetters.flush()
        try deadLetterSink?.close()
        if !forwarder.drain(timeoutSeconds: 3) {
            log("stopping with \(spool.stats.pendingRecords) records in the spool: they are sent after the next start", false)
        }
        forwarder.stop(timeoutSeconds: 3)
        return summary
    }

    /// Bytes read from the input so far.
    public var bytesIn: Int64 { source.bytesRead }

    /// Bytes sent upstream after compression: HTTP request bodies (zstd), or what librdkafka sent to
    /// the brokers (its statistics, once a second).
    public var bytesSent: Int64? { (upstream as? HTTPUpstream)?.bytesSent ?? (upstream as? KafkaUpstream)?.bytesSent }
}

public struct EdgeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
