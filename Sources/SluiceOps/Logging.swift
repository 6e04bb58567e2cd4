import Foundation
import Logging

/// How log lines look: `text` for people (the message alone, warnings and errors prefixed), `json`
/// for log shippers (one object per line: time, level, logger, message and every metadata key).
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}

/// swift-log's backend for the `sluice` command: one line per event on standard error.
public struct SluiceLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        logLevel = level
    }

    /// Makes this the process's log backend (the first call wins; later ones are ignored).
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        // swift-log traps on a second bootstrap; a process (or a test) may set up several verbs.
        lock.lock()
        defer { lock.unlock() }
        guard !bootstrapped else { return }
        bootstrapped = true
        LoggingSystem.bootstrap { label in SluiceLogHandler(label: label, format: format, level: level) }
    }

    nonisolated(unsafe) private static var bootstrapped = false  // guarded by `lock`

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        if let error = event.error { all["error"] = .string("\(error)") }
        let text: String
        switch format {
        case .text:
            let prefix = level >= .error ? "error: " : level == .warning ? "warning: " : ""
            text = prefix + message.description
        case .json:
            var object: [String: Any] = ["time": Self.timestamp(), "level": level.rawValue, "logger": label, "message": message.description]
            for (key, value) in all { object[key] = Self.json(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        }
        Self.write(text + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s):
            if let n = Int64(s) { return n }
            return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(json)
        case .dictionary(let d): return d.mapValues(json)
        }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    private static let lock = NSLock()

    /// Whole lines, one writer at a time, straight to file descriptor 2.
    static func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        var s = line
        s.withUTF8 { buffer in
            var p = buffer.baseAddress!
            var left = buffer.count
            while left > 0 {
                let n = Foundation.write(2, p, left)
                if n <= 0 { break }
                p += n
                left -= n
            }
        }
    }
}
