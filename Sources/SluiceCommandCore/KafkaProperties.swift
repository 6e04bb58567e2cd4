import Foundation

/// `key=value` lines (`#` comments), as in librdkafka and Java client properties files.
package enum KafkaProperties {
    package static func load(_ path: String?) throws -> [String: String] {
        guard let path else { return [:] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw RuntimeError("cannot read Kafka properties \(path)") }
        var settings: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw RuntimeError("\(path):\(n + 1): expected key=value") }
            settings[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return settings
    }
}
