import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL
import Sluice
import SluiceOps
import Synchronization

/// Settings of the `POST /ingest` endpoint.
public struct HTTPIngestOptions: Sendable, Equatable {
    public var host: String
    /// 0: any free port (tests).
    public var port: Int
    /// The bearer token clients must send (`Authorization: Bearer …`); nil: no token asked.
    public var token: String?
    /// The largest body taken; larger ones get 413.
    public var maxBodyBytes: Int
    /// Serve HTTPS with this certificate chain and private key (PEM files); nil: plain HTTP.
    public var tls: TLSFiles?

    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public init(host: String = "0.0.0.0", port: Int, token: String? = nil, maxBodyBytes: Int = 1 << 20, tls: TLSFiles? = nil) {
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.tls = tls
    }
}

/// What is decided about a request before its body is read, in this order: who sends it (401),
/// whether the agent is stopping (503), whether it is too large by its Content-Length (413), whether
/// the spool can take more (503 under policy `block`: the upstream is away and the spool is full —
/// backpressure reaches the client, who retries later, instead of the agent dropping data).
public enum IngestAdmission {
    public enum Verdict: Equatable, Sendable {
        case admit
        case refuse(status: Int, reason: String)
    }

    public static func check(authorization: String?, contentLength: Int?, options: HTTPIngestOptions,
                             stopping: Bool, spoolFull: Bool) -> Verdict {
        if let token = options.token {
            guard let header = authorization else { return .refuse(status: 401, reason: "missing bearer token (Authorization: Bearer …)") }
            guard header.hasPrefix("Bearer "), constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(token.utf8)) else {
                return .refuse(status: 401, reason: "wrong bearer token")
            }
        }
        if stopping { return .refuse(status: 503, reason: "the agent is stopping") }
        if let length = contentLength, length > options.maxBodyBytes {
            return .refuse(status: 413, reason: "the body is \(length) bytes; the limit is \(options.maxBodyBytes)")
        }
        if spoolFull { return .refuse(status: 503, reason: "the spool is full and the upstream is away (policy block): retry later") }
        return .admit
    }

    /// Compares without stopping at the first difference, so the time taken says nothing of the token.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return difference == 0
    }
}

/// Requests answered, by status, and records taken: for `/metrics` and the tests.
public final class IngestCounters: Sendable {
    public static let statuses = [200, 400, 401, 413, 503]
    private let ok = Atomic<Int64>(0), malformed = Atomic<Int64>(0), unauthorized = Atomic<Int64>(0)
    private let tooLarge = Atomic<Int64>(0), unavailable = Atomic<Int64>(0)
    private let records = Atomic<Int64>(0)
    private let bytes = Atomic<Int64>(0)

    public init() {}

    func count(_ status: Int) {
        switch status {
        case 200: ok.add(1, ordering: .relaxed)
        case 400: malformed.add(1, ordering: .relaxed)
        case 401: unauthorized.add(1, ordering: .relaxed)
        case 413: tooLarge.add(1, ordering: .relaxed)
        case 503: unavailable.add(1, ordering: .relaxed)
        default: break
        }
    }

    func accepted(records n: Int, bytes b: Int) {
        records.add(Int64(n), ordering: .relaxed)
        bytes.add(Int64(b), ordering: .relaxed)
    }

    /// Requests answered with `status` (one of ``statuses``).
    public func requests(_ status: Int) -> Int64 {
        switch status {
        case 200: ok.load(ordering: .relaxed)
        case 400: malformed.load(ordering: .relaxed)
        case 401: unauthorized.load(ordering: .relaxed)
        case 413: tooLarge.load(ordering: .relaxed)
        case 503: unavailable.load(ordering: .relaxed)
        default: 0
        }
    }
    /// Requests answered so far, for each of ``statuses``.
    public var requestsByStatus: [Int: Int64] {
        Dictionary(uniqueKeysWithValues: IngestCounters.statuses.map { ($0, requests($0)) })
    }
    public var recordsAccepted: Int64 { records.load(ordering: .relaxed) }
    /// Request bodies taken, as received (before any conversion).
    public var bytesAccepted: Int64 { bytes.load(ordering: .relaxed) }
}

/// `POST /ingest`: NDJSON or a JSON array of objects, into an ``HTTPIngestSource``.
///
/// Answers 200 with `{"accepted": N}` once the records are queued for the pipeline; 401 for a missing
/// or wrong token; 413 for a body over the limit; 400 for a malformed body, naming its line (nothing
/// of that body is taken); 503 with `Retry-After` while the spool is full under policy `block`, while
/// the input queue is full, or while the agent stops.
public final class HTTPIngestServer: Sendable {
    public let port: Int
    public let counters: IngestCounters

    /// - Parameter spoolFull: whether the spool refuses more (policy block, upstream away); asked per request.
    public init(options: HTTPIngestOptions, source: HTTPIngestSource, spoolFull: @escaping @Sendable () -> Bool) throws {
        let counters = IngestCounters()
        self.counters = counters
        let router = Router()
        @Sendable func answer(_ status: Int, _ text: String, retry: Bool = false) -> Response {
            counters.count(status)
            var headers: HTTPFields = [.contentType: "application/json"]
            if retry { headers[.retryAfter] = "1" }
            if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
            let key = status == 200 ? "accepted" : "error"
            let value = status == 200 ? text : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{\"\(key)\": \(value)}\n")))
        }
        router.post("ingest") { request, _ -> Response in
            let verdict = IngestAdmission.check(authorization: request.headers[.authorization], contentLength: request.headers[.contentLength].flatMap { Int($0) },
                                                options: options, stopping: source.stop.isRequested, spoolFull: spoolFull())
            if case .refuse(let status, let reason) = verdict { return answer(status, reason, retry: status == 503) }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: options.maxBodyBytes)
            } catch {
                return answer(413, "the body is larger than the limit of \(options.maxBodyBytes) bytes")
            }
            let raw = Array(buffer: body)
            let ndjson: (bytes: [UInt8], records: Int)
            do {
                ndjson = try IngestBody.ndjson(raw)
            } catch {
                return answer(400, "malformed body, nothing taken: \(error)")
            }
            guard ndjson.records > 0 else { return answer(200, "0") }
            guard source.offer(ndjson.bytes, records: ndjson.records) else {
                return answer(503, source.stop.isRequested ? "the agent is stopping" : "the input queue is full: retry later", retry: true)
            }
            counters.accepted(records: ndjson.records, bytes: raw.count)
            return answer(200, "\(ndjson.records)")
        }
        var server = HTTPServerBuilder.http1()
        if let files = options.tls {
            let configuration: TLSConfiguration
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(files.certificate).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: files.key, format: .pem)
                configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            } catch {
                throw OpsServerError("ingest TLS: cannot load the certificate \(files.certificate) or the key \(files.key): \(error)")
            }
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        port = try HTTPServing.start(router: router, host: options.host, port: options.port, what: "ingest", server: server)
    }
}
