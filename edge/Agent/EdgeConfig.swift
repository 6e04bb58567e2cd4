import Foundation
import Sluice

/// `sluice edge --config edge.yaml`: one process, one file. Every field is checked at start and
/// every problem reported with its place in the file (``problems``), before anything runs.
///
/// ```yaml
/// pipeline: sensor-features          # a built-in pipeline, or `spec: pipeline.yaml`
/// input:
///   file: /var/log/sensors.csv       # followed like tail -F
///   format: csv                      # csv | ndjson
///   # or stdin: true
///   # or http: {port: 8088, token_env: INGEST_TOKEN, max_body: 1MiB}   # POST /ingest, JSON
///   #    (HTTPS: tls: {cert: /etc/sluice/cert.pem, key: /etc/sluice/key.pem})
/// state_dir: /var/lib/sluice-edge    # window checkpoints and the spool
/// checkpoint_interval: 5s
/// spool: {max_size: 64MiB, policy: block, fsync: always}
/// output:
///   kafka: {brokers: "broker:9092", topic: features}
///   # or http: {url: "https://collector/ingest", token_env: COLLECTOR_TOKEN}
/// metrics: {port: 9464}
/// dead_letter: /var/lib/sluice-edge/dead-letter.ndjson   # the default; `none` keeps counts only
/// ```
public struct EdgeConfig: Codable, Sendable, Equatable {
    public struct Input: Codable, Sendable, Equatable {
        public var file: String?
        public var stdin: Bool?
        public var http: HTTPInput?
        public var format: String?
        /// CSV: the first line names the columns (default true).
        public var header: Bool?
    }

    /// `POST /ingest` (NDJSON or a JSON array of objects).
    public struct HTTPInput: Codable, Sendable, Equatable {
        public var port: Int
        public var host: String?
        public var token: String?
        public var tokenEnv: String?
        /// The largest request body (default 1MiB).
        public var maxBody: String?
        /// HTTPS: PEM files of the certificate chain and its private key.
        public var tls: TLS?
        enum CodingKeys: String, CodingKey { case port, host, token, tokenEnv = "token_env", maxBody = "max_body", tls }
    }

    public struct TLS: Codable, Sendable, Equatable {
        public var cert: String
        public var key: String
    }

    public struct SpoolSection: Codable, Sendable, Equatable {
        public var maxSize: String?
        public var segmentSize: String?
        public var policy: String?
        public var fsync: String?
        enum CodingKeys: String, CodingKey { case maxSize = "max_size", segmentSize = "segment_size", policy, fsync }
    }

    public struct Kafka: Codable, Sendable, Equatable {
        public var brokers: String
        public var topic: String
        /// A librdkafka properties file (TLS, SASL).
        public var config: String?
    }

    public struct HTTP: Codable, Sendable, Equatable {
        public var url: String
        public var token: String?
        public var tokenEnv: String?
        public var timeout: String?
        enum CodingKeys: String, CodingKey { case url, token, tokenEnv = "token_env", timeout }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var kafka: Kafka?
        public var http: HTTP?
        /// How records are written: csv (no header) or ndjson.
        public var format: String?
        /// Records per send.
        public var batch: Int?
        /// Round floating-point values to this many decimal places (default: every digit).
        public var decimals: Int?
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var port: Int?
        public var host: String?
    }

    public var pipeline: String?
    public var spec: String?
    public var input: Input
    public var stateDir: String
    public var checkpointInterval: String?
    public var spool: SpoolSection?
    public var output: Output
    public var metrics: Metrics?
    /// Where rejected records go, with the reason (NDJSON, appended): default `STATE_DIR/dead-letter.ndjson`;
    /// `none` keeps only their counts (metrics).
    public var deadLetter: String?

    enum CodingKeys: String, CodingKey {
        case pipeline, spec, input, stateDir = "state_dir", checkpointInterval = "checkpoint_interval", spool, output, metrics,
             deadLetter = "dead_letter"
    }

    /// The dead-letter file, nil for `none`.
    public var deadLetterPath: String? {
        guard let d = deadLetter else { return stateDir + "/dead-letter.ndjson" }
        return d == "none" ? nil : d
    }

    /// One problem: where in the file (coding keys, e.g. `["spool", "policy"]`) and what.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var path: [String]
        public var message: String
        public var description: String { (path.isEmpty ? "" : path.joined(separator: ".") + ": ") + message }
    }

    /// Every problem in the configuration (empty: it can run).
    public var problems: [Problem] {
        var out: [Problem] = []
        func add(_ path: [String], _ message: String) { out.append(Problem(path: path, message: message)) }
        if (pipeline == nil) == (spec == nil) { add([], "give exactly one of `pipeline` (a built-in pipeline) and `spec` (a spec file)") }
        let inputs = [input.file != nil, input.stdin == true, input.http != nil].filter { $0 }.count
        if inputs != 1 { add(["input"], "give exactly one of `file` (a file to follow), `stdin: true` and `http` (POST /ingest)") }
        if input.stdin == true && input.format == nil { add(["input"], "give the format of stdin: format: csv or ndjson") }
        if let h = input.http {
            if !(0...65535).contains(h.port) { add(["input", "http", "port"], "\(h.port) is not a port (0...65535)") }
            if h.token != nil && h.tokenEnv != nil { add(["input", "http"], "give `token` or `token_env`, not both") }
            if let m = h.maxBody, EdgeConfig.bytes(m) == nil { add(["input", "http", "max_body"], "'\(m)' is not a size (e.g. 1MiB, 256KiB)") }
            if let tls = h.tls {
                for (name, path) in [("cert", tls.cert), ("key", tls.key)] where !FileManager.default.isReadableFile(atPath: path) {
                    add(["input", "http", "tls", name], "cannot read '\(path)'")
                }
            }
            if let f = input.format, f != "ndjson" { add(["input", "format"], "HTTP ingest takes JSON (NDJSON or an array of objects): leave format out or give ndjson") }
        }
        if let f = input.format, !["csv", "ndjson"].contains(f) { add(["input", "format"], "'\(f)' is not a format: csv or ndjson") }
        if input.format == nil, input.http == nil, let file = input.file, !(file.hasSuffix(".csv") || file.hasSuffix(".ndjson") || file.hasSuffix(".jsonl")) {
            add(["input", "file"], "cannot tell the format of '\(file)' from its name: give format: csv or ndjson")
        }
        if stateDir.isEmpty { add(["state_dir"], "must not be empty") }
        if let d = deadLetter, d.isEmpty { add(["dead_letter"], "give a file, or none") }
        if let c = checkpointInterval, EdgeConfig.seconds(c) == nil { add(["checkpoint_interval"], "'\(c)' is not a duration (e.g. 500ms, 5s, 1m)") }
        if let s = spool {
            if let m = s.maxSize, EdgeConfig.bytes(m) == nil { add(["spool", "max_size"], "'\(m)' is not a size (e.g. 8MiB, 512KiB)") }
            if let m = s.segmentSize, EdgeConfig.bytes(m) == nil { add(["spool", "segment_size"], "'\(m)' is not a size (e.g. 1MiB)") }
            if let p = s.policy, !["block", "drop-oldest"].contains(p) { add(["spool", "policy"], "'\(p)' is not a policy: block or drop-oldest") }
            if let f = s.fsync, !["always", "never"].contains(f) { add(["spool", "fsync"], "'\(f)' is not an fsync policy: always or never") }
            if out.allSatisfy({ $0.path.first != "spool" }), let problem = spoolOptions.problem { add(["spool"], problem) }
        }
        if (output.kafka == nil) == (output.http == nil) { add(["output"], "give exactly one of `kafka` and `http`") }
        if let k = output.kafka {
            if k.brokers.isEmpty { add(["output", "kafka", "brokers"], "must not be empty") }
            if k.topic.isEmpty { add(["output", "kafka", "topic"], "must not be empty") }
        }
        if let h = output.http {
            if !(h.url.hasPrefix("http://") || h.url.hasPrefix("https://")) { add(["output", "http", "url"], "'\(h.url)' is not an http:// or https:// URL") }
            if h.token != nil && h.tokenEnv != nil { add(["output", "http"], "give `token` or `token_env`, not both") }
            if let t = h.timeout, EdgeConfig.seconds(t) == nil { add(["output", "http", "timeout"], "'\(t)' is not a duration") }
        }
        if let f = output.format, !["csv", "ndjson"].contains(f) { add(["output", "format"], "'\(f)' is not a format: csv or ndjson") }
        if let b = output.batch, b < 1 { add(["output", "batch"], "must be at least 1") }
        if let d = output.decimals, !(0...15).contains(d) { add(["output", "decimals"], "\(d) is not a number of decimal places (0...15)") }
        if let p = metrics?.port, !(0...65535).contains(p) { add(["metrics", "port"], "\(p) is not a port (0...65535)") }
        return out
    }

    public var inputFormat: String {
        if input.http != nil { return "ndjson" }
        return input.format ?? (input.file?.hasSuffix(".csv") == true ? "csv" : "ndjson")
    }

    /// Where the input comes from, for logs and the status page.
    public var inputName: String {
        if let file = input.file { return file }
        if let http = input.http { return "\(http.tls == nil ? "http" : "https")://\(http.host ?? "0.0.0.0"):\(http.port)/ingest" }
        return "stdin"
    }
    public var checkpointSeconds: Double { checkpointInterval.flatMap(EdgeConfig.seconds) ?? 5 }

    public var spoolOptions: SpoolOptions {
        let max = spool?.maxSize.flatMap(EdgeConfig.bytes) ?? 64 << 20
        return SpoolOptions(maxBytes: max, segmentBytes: spool?.segmentSize.flatMap(EdgeConfig.bytes),
                            policy: SpoolOptions.FullPolicy(rawValue: spool?.policy ?? "block") ?? .block,
                            fsync: SpoolOptions.Fsync(rawValue: spool?.fsync ?? "always") ?? .always)
    }

    /// `500ms`, `5s`, `2m`, `1h`, or a plain number of seconds.
    public static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0 { return v * scale }
            return nil
        }
        return Double(t).flatMap { $0 > 0 ? $0 : nil }
    }

    /// `64MiB`, `512KiB`, `1GiB`, or plain bytes.
    public static func bytes(_ text: String) -> Int? {
        ByteCount(parsing: text).map(\.bytes).flatMap { $0 > 0 ? $0 : nil }
    }
}
