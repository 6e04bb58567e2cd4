import Foundation
import Hummingbird
import HummingbirdCore
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
        self.port = try HTTPServing.start(router: router, host: host, port: port, what: "metrics")
        self.host = host
    }
}

public struct OpsServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts a Hummingbird server on a thread of its own, for the synchronous verbs.
public enum HTTPServing {
    /// Listens on `host:port` (0: any free port) and returns the port once it is bound, or throws
    /// (`what` names the server in the error). The server lives as long as the process; signals
    /// stay with the verb (it drains and checkpoints), so the server just ends with the process.
    public static func start<Context: RequestContext>(router: Router<Context>, host: String, port: Int, what: String,
                                                      server: HTTPServerBuilder = .http1()) throws -> Int
    where Context: RequestContext, Context.Source == ApplicationRequestContextSource {
        let bound = BoundPort()
        var logger = Logger(label: "sluice.http")
        logger.logLevel = .warning
        let app = Application(router: router, server: server, configuration: .init(address: .hostname(host, port: port), serverName: "sluice"),
                              onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? port)) }, logger: logger)
        let executor = DedicatedThreadExecutor(name: "sluice-http")
        Task.detached(executorPreference: executor) {
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                bound.set(.failure(error))
            }
        }
        switch bound.wait(timeoutSeconds: 10) {
        case .success(let p): return p
        case .failure(let error): throw OpsServerError("cannot serve \(what) on \(host):\(port): \(error)")
        case nil: throw OpsServerError("cannot serve \(what) on \(host):\(port): the server did not start within 10 s")
        }
    }
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
