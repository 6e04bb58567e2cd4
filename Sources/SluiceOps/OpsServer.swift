import Foundation
import Hummingbird
import Logging
import NIOCore

/// The HTTP endpoints of a long-running verb (`--metrics-port`): `/metrics` (Prometheus text
/// format), `/healthz` (200 while healthy, 503 with the reason otherwise), `/status.json` and `/`,
/// the status page. Runs on its own threads (SwiftNIO's, through Hummingbird) beside the pipeline's.
public final class OpsServer: Sendable {
    /// The port it listens on (the one asked for, or the one the system chose for port 0).
    public let port: Int
    public let host: String

    /// What `/healthz` answers: healthy, or not with a reason.
    public typealias Health = @Sendable () -> (healthy: Bool, detail: String)

    /// Starts listening; returns once the port is bound, or throws if it cannot be.
    public init(host: String, port: Int, exporter: PrometheusExporter, board: StatusBoard, health: @escaping Health = { (true, "ok") }) throws {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: exporter.render())))
        }
        router.get("healthz") { _, _ in
            let (healthy, detail) = health()
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: detail + "\n")))
        }
        router.get("status.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(bytes: board.json())))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
        }
        let bound = BoundPort()
        var logger = Logger(label: "sluice.http")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sluice"),
                              onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? port)) }, logger: logger)
        // Its own thread (the executor lives as long as the process; so does the server).
        let executor = DedicatedThreadExecutor(name: "sluice-http")
        Task.detached(executorPreference: executor) {
            do {
                // Signals stay with the verb (it drains and checkpoints); the server just ends with the process.
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                bound.set(.failure(error))
            }
        }
        switch bound.wait(timeoutSeconds: 10) {
        case .success(let p): self.port = p
        case .failure(let error): throw OpsServerError("cannot serve metrics on \(host):\(port): \(error)")
        case nil: throw OpsServerError("cannot serve metrics on \(host):\(port): the server did not start within 10 s")
        }
        self.host = host
    }
}

public struct OpsServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The port once the server runs, or why it could not start; set once.
private final class BoundPort: @unchecked Sendable {
    // Safe: `result` is guarded by `condition`.
    private let condition = NSCondition()
    private var result: Result<Int, any Error>?

    func set(_ value: Result<Int, any Error>) {
        condition.lock()
        if result == nil { result = value }
        condition.broadcast()
        condition.unlock()
    }

    func wait(timeoutSeconds: Double) -> Result<Int, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while result == nil && condition.wait(until: deadline) {}
        return result
    }
}
