import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceOps

/// The operations flags every long-running verb takes (`run`, `train`, `broker`, `edge`).
package struct OperationsOptions: ParsableArguments {
    @Option(help: "Serve /metrics (Prometheus), /healthz and a status page at / on this port (0: any free port, printed at start).")
    package var metricsPort: Int?

    @Option(help: "The address the metrics port listens on (0.0.0.0 to be scraped from other hosts).")
    package var metricsHost: String = "127.0.0.1"

    @Option(help: "Log lines as text (for people) or json (one object per line, for log shippers).")
    package var logFormat: String = "text"

    @Option(help: "Least important log level shown: trace, debug, info, notice, warning, error, critical.")
    package var logLevel: String = "info"

    @Option(help: "Off a terminal (or with --log-format json): log a one-line progress summary every this many seconds (0: never).")
    package var summaryInterval: Double = 10

    @Option(help: "Seconds a graceful stop (SIGINT/SIGTERM: drain, final checkpoint, flush) may take before the process exits with status 1.")
    package var shutdownTimeout: Double = 30

    package func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json, not '\(logFormat)'") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be between 0 and 65535") }
        if summaryInterval < 0 { throw ValidationError("--summary-interval must not be negative") }
        if !(shutdownTimeout > 0) { throw ValidationError("--shutdown-timeout must be a positive number of seconds") }
    }

    package var format: LogFormat { LogFormat(rawValue: logFormat) ?? .text }
    package var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    package init() {}
}

/// A long-running verb's operations side: its logger, metrics, status board and HTTP endpoints, and
/// a sampler thread that once a second records what the run cannot report itself (dead letters,
/// consumer lag, watermark lag) and, off a terminal, logs a progress summary now and then.
package final class Operations: @unchecked Sendable {
    // Safe: `stopped` is guarded by `lock`; the rest is immutable after init or thread-safe itself.
    package let logger: Logger
    package let metrics: PipelineMetrics
    package let board: StatusBoard
    package let server: OpsServer?
    package let options: OperationsOptions
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    /// Signalled by ``stop()`` so the sampler ends at once, not at its next tick (a run's exit waits for it).
    private let wake = DispatchSemaphore(value: 0)
    private var samplerStarted = false

    /// Logging is bootstrapped here: create one per process, first thing in the verb.
    package init(_ options: OperationsOptions, verb: String, name: String, health: @escaping OpsServer.Health = { (true, "ok") }) throws {
        self.options = options
        SluiceLogHandler.bootstrap(format: options.format, level: options.level)
        logger = Logger(label: "sluice.\(verb)")
        let exporter = PrometheusExporter.bootstrap()
        metrics = PipelineMetrics(pipeline: name)
        board = StatusBoard(verb: verb, name: name)
        if let port = options.metricsPort {
            do {
                server = try OpsServer(host: options.metricsHost, port: port, exporter: exporter, board: board, health: health)
            } catch {
                throw RuntimeError("\(error)")
            }
            logger.info("serving /metrics, /healthz and the status page on http://\(options.metricsHost):\(server!.port)/",
                        metadata: ["event": "http_started", "port": "\(server!.port)", "host": .string(options.metricsHost)])
        } else {
            server = nil
        }
    }

    /// Whether progress goes to the log as periodic one-line summaries (off a terminal, or JSON logs).
    package var logsSummaries: Bool { options.summaryInterval > 0 && (isatty(2) == 0 || options.format == .json) }

    /// Starts the sampler: once a second it records dead letters, watermark, consumer lag and partitions; every
    /// `--summary-interval` seconds (when ``logsSummaries``) it logs a progress line.
    package func startSampling(deadLetters: DeadLetters?, consumerLag: (@Sendable () -> Int64?)? = nil,
                       partitions: (@Sendable () -> [StatusBoard.Partition])? = nil, quiet: Bool = false, extra: (@Sendable () -> Void)? = nil) {
        samplerStarted = true
        let interval = options.summaryInterval
        let summaries = logsSummaries && !quiet
        Thread { [self] in
            defer { done.signal() }
            var nextSummary = Date().addingTimeInterval(interval)
            var previous: (t: Date, records: Int64) = (Date(), 0)
            while !lock.withLock({ stopped }) {
                if wake.wait(timeout: .now() + 0.2) == .success { break }
                let counts = metrics.counts
                if summaries, Date() >= nextSummary {
                    let now = Date()
                    let rate = Double(counts.recordsIn - previous.records) / max(0.001, now.timeIntervalSince(previous.t))
                    previous = (now, counts.recordsIn)
                    nextSummary = now.addingTimeInterval(interval)
                    let lag = board.latestSample?.lag
                    var text = "progress: \(counts.recordsIn) records in (\(formatRate(rate))/s), \(counts.recordsOut) out, \(counts.deadLettered) dead-lettered"
                    if let lag { text += ", consumer lag \(lag)" }
                    logger.info("\(text)", metadata: ["event": "progress", "records_in": "\(counts.recordsIn)", "records_out": "\(counts.recordsOut)",
                                                      "dead_lettered": "\(counts.deadLettered)", "rate": "\(Int(rate))",
                                                      "consumer_lag": lag.map { "\($0)" } ?? "null"])
                }
                if let last = board.latestSample, StatusBoard.now() - last.t < 1000 { continue }
                if let deadLetters { metrics.sample(deadLetters: deadLetters.counts.map { ($0.reason.code.rawValue, $0.reason.rule, $0.count) }) }
                let watermark = metrics.sampleWatermark()
                let lag = consumerLag?()
                if let lag { metrics.consumerLag.record(lag) }
                board.add(.init(t: StatusBoard.now(), recordsIn: counts.recordsIn, recordsOut: counts.recordsOut, deadLettered: counts.deadLettered,
                                lag: lag, watermark: watermark == .min ? nil : watermark))
                if let partitions { board.setPartitions(partitions()) }
                extra?()
            }
        }.start()
    }

    package func stop() {
        let first: Bool = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first, samplerStarted else { return }
        wake.signal()
        done.wait()
    }
}
