import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCommandCore
import SluiceEdge
import SluiceOps
import Yams

/// `sluice edge --config edge.yaml` (or `sluice-edge --config edge.yaml`, the same verb in a binary
/// with nothing else): the edge ingest agent.
package struct EdgeCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: runsAlone ? standaloneBinary : "edge",
        abstract: "Run the edge agent: follow an input, clean, anonymise and pre-aggregate it, spool the results on disk, forward them upstream.",
        discussion: """
            Everything is in one YAML file (see README "Edge agent"). Window state is checkpointed in state_dir, \
            so a restart neither loses nor double-counts a window; results wait in the spool while the upstream \
            (Kafka or an HTTP collector) is away and are delivered in order once it is back. --check validates \
            the file and reports every problem with its line.
            """)

    @Option(help: "The agent's configuration file (YAML).")
    var config: String

    @Flag(help: "Check the configuration and exit: every problem with its line, exit 1 if there is any.")
    var check = false

    @OptionGroup(title: "Operations") var operations: OperationsOptions

    package init() {}

    /// The binary that is this verb alone (`Sources/sluice-edge`): it takes no verb name first.
    package static let standaloneBinary = "sluice-edge"

    /// Whether this process is ``standaloneBinary``: its usage line names it.
    static var runsAlone: Bool { CommandLine.arguments.first?.hasSuffix(standaloneBinary) ?? false }

    package func run() throws {
        let cfg = try EdgeConfigLoader.load(config)
        let base = (config as NSString).deletingLastPathComponent
        let spec: PipelineSpec
        if let name = cfg.pipeline {
            guard let found = CommandContext.pipelines.named(name) else {
                throw RuntimeError("\(config): pipeline: no built-in pipeline named '\(name)' (`sluice list` shows them); or give spec: FILE")
            }
            spec = found.spec
        } else {
            let path = cfg.spec!.hasPrefix("/") || base.isEmpty ? cfg.spec! : base + "/" + cfg.spec!
            spec = try SpecLoader.load(path: path)
        }
        do {
            _ = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil))
        } catch {
            throw RuntimeError("\(config): pipeline '\(spec.name)': \(error.message)")
        }
        if check {
            print("\(config): ok — pipeline \(spec.name), input \(cfg.inputName), output \(cfg.output.kafka.map { "kafka://\($0.brokers)/\($0.topic)" } ?? cfg.output.http!.url)")
            return
        }
        // librdkafka's threads must not take SIGINT/SIGTERM: block them before any handle exists.
        let signals = blockTerminationSignals()
        var options = operations
        if options.metricsPort == nil, let port = cfg.metrics?.port {
            options.metricsPort = port
            if let host = cfg.metrics?.host { options.metricsHost = host }
        }
        let holder = AgentHolder()
        let ops = try Operations(options, verb: "edge", name: spec.name, health: { holder.health })
        let log = ops.logger
        let settings = try KafkaProperties.load(cfg.output.kafka?.config)
        let agent = try EdgeAgent(config: cfg, spec: spec, settings: settings, observer: ops.metrics, log: { message, warning in
            if warning { log.warning("\(message)", metadata: ["event": "edge"]) } else { log.info("\(message)", metadata: ["event": "edge"]) }
        })
        holder.agent = agent
        let waiter = GracefulStop(agent.stop, logger: log, timeoutSeconds: options.shutdownTimeout)
        Thread { waiter.wait(signals) }.start()
        ops.board.set("input", cfg.inputName)
        ops.board.set("upstream", agent.upstream.name)
        let edgeMetrics = EdgeMetrics(pipeline: spec.name, ingestStatuses: agent.ingest == nil ? [] : IngestCounters.statuses)
        ops.startSampling(deadLetters: agent.runner.deadLetters, extra: {
            edgeMetrics.sample(spool: agent.spool.stats, upstreamUp: agent.forwarder.status.upstreamUp, delivered: agent.forwarder.status.delivered,
                               inputBytes: agent.bytesIn, outputBytes: agent.output.bytes, sentBytes: agent.bytesSent,
                               ingest: agent.ingest.map { ($0.counters.requestsByStatus, $0.counters.recordsAccepted) })
        })
        if let ingest = agent.ingest { log.info("sluice edge: POST /ingest on port \(ingest.port)", metadata: ["event": "ingest_listening", "port": "\(ingest.port)"]) }
        log.info("sluice edge: \(spec.name) from \(cfg.inputName) to \(agent.upstream.name); state and spool in \(cfg.stateDir)",
                 metadata: ["event": "edge_started"])
        let summary = try agent.run()
        ops.stop()
        let stats = agent.spool.stats
        let ratio = agent.output.bytes > 0 ? Double(agent.bytesIn) / Double(agent.output.bytes) : 0
        log.info("sluice edge: \(summary.recordsIn) records in, \(agent.output.records) results spooled (\(fixed(ratio, 1))x fewer bytes), \(agent.forwarder.status.delivered) delivered, \(stats.pendingRecords) waiting in the spool, \(stats.dropped) dropped",
                 metadata: ["event": "edge_stopped", "records_in": "\(summary.recordsIn)", "spooled": "\(agent.output.records)",
                            "delivered": "\(agent.forwarder.status.delivered)", "pending": "\(stats.pendingRecords)", "dropped": "\(stats.dropped)",
                            "input_bytes": "\(agent.bytesIn)", "output_bytes": "\(agent.output.bytes)"])
    }
}

/// The agent, once built, for `/healthz` (which the HTTP server asks from its own thread).
final class AgentHolder: @unchecked Sendable {
    // Safe: `agent` is set once before the server is asked anything that reads it; reads are guarded.
    private let lock = NSLock()
    private var value: EdgeAgent?
    var agent: EdgeAgent? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }

    /// 503 while stopping, or while the spool is full under policy block (inputs are held back).
    var health: (healthy: Bool, detail: String) {
        guard let agent else { return (true, "starting") }
        if agent.stop.isRequested { return (false, "stopping") }
        if agent.spool.isFull { return (false, "spool full: inputs wait for the upstream") }
        let up = agent.forwarder.status.upstreamUp
        return (true, "ok; upstream \(up ? "up" : "down"), \(agent.spool.stats.pendingRecords) records in the spool")
    }
}

/// Reads `edge.yaml`, reporting every problem with its line in the file.
enum EdgeConfigLoader {
    static func load(_ path: String) throws -> EdgeConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw RuntimeError("cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw RuntimeError("\(path): \(error)") }
        let config: EdgeConfig
        do {
            config = try YAMLDecoder().decode(EdgeConfig.self, from: text)
        } catch let error as DecodingError {
            let (keys, message) = describe(error)
            throw RuntimeError("\(path):\(line(of: keys, in: root)): \(message)")
        }
        let problems = config.problems
        guard problems.isEmpty else {
            throw RuntimeError(problems.map { "\(path):\(line(of: $0.path, in: root)): \($0)" }.joined(separator: "\n"))
        }
        return config
    }

    /// The line of the node at `keys` (or of the deepest part of it that exists).
    static func line(of keys: [String], in root: Node?) -> Int {
        guard var node = root else { return 1 }
        var line = node.mark?.line ?? 1
        for key in keys {
            if let mapping = node.mapping, let pair = mapping.first(where: { $0.key.string == key }) {
                line = pair.key.mark?.line ?? line
                node = pair.value
            } else if let i = Int(key), let sequence = node.sequence, i < sequence.count {
                node = sequence[i]
                line = node.mark?.line ?? line
            } else {
                break
            }
        }
        return line
    }

    static func describe(_ error: DecodingError) -> (keys: [String], message: String) {
        func keys(_ path: [any CodingKey]) -> [String] { path.map { $0.intValue.map(String.init) ?? $0.stringValue } }
        switch error {
        case .keyNotFound(let key, let ctx): return (keys(ctx.codingPath), "missing '\(key.stringValue)'" + (ctx.codingPath.isEmpty ? "" : " in \(keys(ctx.codingPath).joined(separator: "."))"))
        case .typeMismatch(let type, let ctx): return (keys(ctx.codingPath), "\(keys(ctx.codingPath).joined(separator: ".")): expected \(type)")
        case .valueNotFound(let type, let ctx): return (keys(ctx.codingPath), "\(keys(ctx.codingPath).joined(separator: ".")): missing \(type) value")
        case .dataCorrupted(let ctx): return (keys(ctx.codingPath), "\(keys(ctx.codingPath).joined(separator: ".")): \(ctx.debugDescription)")
        @unknown default: return ([], "\(error)")
        }
    }
}
