import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a hook when training events happen: a shell command (the event as JSON on standard input
/// and in `SLUICE_EVENT_JSON`, plus `SLUICE_EVENT` and `SLUICE_MODEL_VERSION`), or an HTTP POST of
/// the event as JSON to an `http://` URL. A hook that fails is counted and reported, never fatal:
/// training goes on. Hooks run synchronously, with a timeout, so they are seen in order.
public final class TriggerRunner {
    public enum Action: Sendable, Hashable {
        case command(String)
        case post(url: String)
    }

    public let action: Action
    /// Which events fire it.
    public let kinds: Set<TrainerEvent.Kind>
    public let timeoutSeconds: Double
    public private(set) var fired = 0
    public private(set) var failures = 0
    public private(set) var lastError: String?
    /// Where failures are reported (standard error by default).
    public var log: (String) -> Void = { message in FileHandle.standardError.write(Data((message + "\n").utf8)) }

    public init(_ action: Action, on kinds: Set<TrainerEvent.Kind>, timeoutSeconds: Double = 10) throws {
        if case .post(let url) = action { _ = try HTTPPost.parse(url) }
        // A command that does not read its input closes the pipe early, and a webhook may close the
        // connection: either must fail the trigger, not kill the process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        self.action = action
        self.kinds = kinds
        self.timeoutSeconds = timeoutSeconds
    }

    public static func json(_ event: TrainerEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(event)) ?? Data(), as: UTF8.self)
    }

    public func fire(_ event: TrainerEvent) {
        guard kinds.contains(event.kind) else { return }
        fired += 1
        let body = Self.json(event)
        do {
            switch action {
            case .command(let command): try run(command, body: body, event: event)
            case .post(let url): try HTTPPost.send(body, to: url, timeoutSeconds: timeoutSeconds)
            }
        } catch {
            failures += 1
            lastError = "\(error)"
            log("trigger failed (\(event.kind.rawValue) at record \(event.position)): \(error)")
        }
    }

    private func run(_ command: String, body: String, event: TrainerEvent) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["SLUICE_EVENT"] = event.kind.rawValue
        environment["SLUICE_EVENT_JSON"] = body
        environment["SLUICE_MODEL_VERSION"] = event.version.map(String.init) ?? ""
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try? input.fileHandleForWriting.write(contentsOf: Data((body + "\n").utf8))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(2000) }
        if process.isRunning {
            process.terminate()
            throw TriggerError("command timed out after \(timeoutSeconds) s: \(command)")
        }
        guard process.terminationStatus == 0 else { throw TriggerError("command exited with status \(process.terminationStatus): \(command)") }
    }
}

public struct TriggerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A minimal HTTP/1.1 POST over a plain socket: enough to notify a webhook, without an HTTP
/// client dependency. `https://` is refused with a clear error (put a local relay in front).
enum HTTPPost {
    struct Target { var host: String; var port: UInt16; var path: String }

    static func parse(_ url: String) throws -> Target {
        guard url.hasPrefix("http://") else {
            throw TriggerError("--post supports http:// URLs only (got \(url)); for https, post to a local relay")
        }
        let rest = url.dropFirst(7)
        let hostPort = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(hostPort.count)
        let parts = hostPort.split(separator: ":")
        guard let host = parts.first, !host.isEmpty else { throw TriggerError("no host in \(url)") }
        let port = parts.count > 1 ? UInt16(parts[1]) : 80
        guard let port else { throw TriggerError("bad port in \(url)") }
        return Target(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
    }

    static func send(_ body: String, to url: String, timeoutSeconds: Double) throws {
        let target = try parse(url)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target.host, String(target.port), &hints, &result) == 0, let info = result else {
            throw TriggerError("cannot resolve \(target.host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw TriggerError("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw TriggerError("cannot connect to \(target.host):\(target.port): errno \(errno)")
        }
        let request = "POST \(target.path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TriggerError("write to \(url) failed: errno \(errno)") }
            sent += n
        }
        var response = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &response, response.count)
        guard n > 0 else { throw TriggerError("no response from \(url)") }
        let statusLine = String(decoding: response[0..<n], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let code = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard (200..<300).contains(code) else { throw TriggerError("\(url) answered '\(statusLine)'") }
    }
}
