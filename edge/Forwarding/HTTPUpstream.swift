import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sluice
import Synchronization

/// Forwards to an HTTP collector: one POST per batch, the records as lines (NDJSON or CSV),
/// zstd-compressed (`Content-Encoding: zstd`), with a bearer token if configured. 2xx: delivered;
/// 429, 5xx, timeouts and connection errors: try again; other 4xx: the collector refuses this
/// request as it is (logged as not retryable, retried slowly).
public final class HTTPUpstream: Upstream {
    public let url: URL
    public var name: String { url.absoluteString }
    let token: String?
    let contentType: String
    let compress: Bool
    let timeoutSeconds: Double
    private let session: URLSession
    /// Bytes of request bodies (after compression) the collector acknowledged: the bandwidth figure.
    /// Safe to read from any thread.
    public var bytesSent: Int64 { sent.load(ordering: .relaxed) }
    private let sent = Atomic<Int64>(0)

    public init(url: URL, token: String? = nil, contentType: String = "application/x-ndjson", compress: Bool = true, timeoutSeconds: Double = 10) {
        self.url = url
        self.token = token
        self.contentType = contentType
        self.compress = compress
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        session = URLSession(configuration: configuration)
    }

    public func send(_ records: [[UInt8]]) throws {
        var body: [UInt8] = []
        body.reserveCapacity(records.reduce(0) { $0 + $1.count + 1 })
        for r in records {
            body += r
            body.append(UInt8(ascii: "\n"))
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        if compress {
            body = try ZstdCompression.compress(body)
            request.setValue("zstd", forHTTPHeaderField: "Content-Encoding")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body)
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        session.dataTask(with: request) { data, response, error in
            outcome.set(status: (response as? HTTPURLResponse)?.statusCode, error: error, body: data)
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + timeoutSeconds + 5) == .success else {
            throw UpstreamError("\(name): no answer within \(timeoutSeconds) s")
        }
        let (status, error, answer) = outcome.get()
        if let error { throw UpstreamError("\(name): \(error.localizedDescription)") }
        guard let status else { throw UpstreamError("\(name): no HTTP answer") }
        guard !(200..<300).contains(status) else {
            sent.add(Int64(body.count), ordering: .relaxed)
            return
        }
        let detail = answer.map { String(decoding: $0.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        throw UpstreamError("\(name) answered \(status)\(detail.isEmpty ? "" : ": \(detail)")", retryable: status == 429 || status >= 500 || status == 408)
    }

    /// A request's result, handed from URLSession's thread to the sender's.
    private final class Outcome: @unchecked Sendable {
        // Safe: set once before the semaphore is signalled, read after it was waited for.
        private let lock = NSLock()
        private var value: (Int?, (any Error)?, Data?) = (nil, nil, nil)
        func set(status: Int?, error: (any Error)?, body: Data?) { lock.withLock { value = (status, error, body) } }
        func get() -> (Int?, (any Error)?, Data?) { lock.withLock { value } }
    }
}
