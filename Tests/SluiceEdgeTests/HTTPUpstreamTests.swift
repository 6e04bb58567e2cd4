import Foundation
import Hummingbird
import NIOCore
import Sluice
import SluiceEdge
import SluiceOps
import Testing

/// Forwarding to an HTTP collector: zstd bodies with a bearer token; 503s and a collector that is
/// away are retried until it answers 200, in order; a 401 is reported as not retryable.
@Suite(.serialized) struct HTTPUpstreamTests {
    /// A collector: POST /ingest; answers `status` and, on 200, keeps the decompressed lines.
    final class Collector: @unchecked Sendable {
        // Safe: guarded by `lock`.
        private let lock = NSLock()
        private var answer = 200
        private var received: [String] = []
        private(set) var port = 0
        var status: Int {
            get { lock.withLock { answer } }
            set { lock.withLock { answer = newValue } }
        }
        var lines: [String] { lock.withLock { received } }

        init() throws {
            let router = Router()
            router.post("ingest") { [self] request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                let status = self.status
                guard request.headers[.authorization] == "Bearer t0ken" else { return Response(status: .unauthorized) }
                guard status == 200 else { return Response(status: .init(code: status)) }
                guard request.headers[.contentEncoding] == "zstd", let raw = ZstdCompression.decompress(Array(buffer: body)) else {
                    return Response(status: .badRequest)
                }
                let lines = String(decoding: raw, as: UTF8.self).split(separator: "\n").map(String.init)
                self.lock.withLock { self.received += lines }
                return Response(status: .ok)
            }
            let ready = DispatchSemaphore(value: 0)
            let box = PortBox()
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in box.port = channel.localAddress?.port ?? 0; ready.signal() })
            Task.detached(executorPreference: DedicatedThreadExecutor(name: "collector")) { try? await app.runService(gracefulShutdownSignals: []) }
            _ = ready.wait(timeout: .now() + 10)
            port = box.port
        }
    }

    final class PortBox: @unchecked Sendable {
        // Safe: written once before the semaphore is signalled, read after.
        var port = 0
    }

    func spool() throws -> Spool {
        try Spool(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-http-\(UUID().uuidString)").path,
                  options: SpoolOptions(maxBytes: 8 << 20, segmentBytes: 64 << 10))
    }

    @Test func outagesAreRetriedAndDeliveredInOrder() throws {
        let collector = try Collector()
        #expect(collector.port > 0)
        let upstream = HTTPUpstream(url: URL(string: "http://127.0.0.1:\(collector.port)/ingest")!, token: "t0ken", timeoutSeconds: 2)
        let spool = try spool()
        let forwarder = SpoolForwarder(spool: spool, upstream: upstream, batchSize: 250, backoff: Backoff(initialSeconds: 0.01, maxSeconds: 0.1))
        forwarder.start()
        for i in 0..<1000 { try spool.append(Array("{\"n\":\(i)}".utf8)) }
        #expect(forwarder.drain(timeoutSeconds: 10))
        collector.status = 503
        for i in 1000..<3000 { try spool.append(Array("{\"n\":\(i)}".utf8)) }
        usleep(300_000)
        #expect(!forwarder.status.upstreamUp && (forwarder.status.lastError ?? "").contains("503"), "\(forwarder.status)")
        collector.status = 200
        #expect(forwarder.drain(timeoutSeconds: 10))
        forwarder.stop()
        #expect(collector.lines == (0..<3000).map { "{\"n\":\($0)}" })
        #expect(upstream.bytesSent > 0 && upstream.bytesSent < 3000 * 10, "compressed: \(upstream.bytesSent) bytes for about 30 KB of lines")
    }

    @Test func aWrongTokenIsNotRetryableAndAnAbsentCollectorIs() throws {
        let collector = try Collector()
        let wrong = HTTPUpstream(url: URL(string: "http://127.0.0.1:\(collector.port)/ingest")!, token: "nope", timeoutSeconds: 2)
        #expect { try wrong.send([Array("x".utf8)]) } throws: { error in
            let e = error as? UpstreamError
            return e?.retryable == false && e?.description.contains("401") == true
        }
        let absent = HTTPUpstream(url: URL(string: "http://127.0.0.1:1/ingest")!, timeoutSeconds: 2)
        #expect { try absent.send([Array("x".utf8)]) } throws: { ($0 as? UpstreamError)?.retryable == true }
    }
}
