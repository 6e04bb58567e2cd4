import Foundation
import Sluice
import Yams

/// Reads pipeline specs, turning decoding failures into messages that point at the place in the file.
package enum SpecLoader {
    package static func load(path: String) throws -> PipelineSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("cannot read spec file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            if path.lowercased().hasSuffix(".json") {
                return try JSONDecoder().decode(PipelineSpec.self, from: data)
            }
            return try YAMLDecoder().decode(PipelineSpec.self, from: text)
        } catch let error as DecodingError {
            throw RuntimeError("\(path): \(describe(error))")
        } catch {  // YAML syntax errors (YamlError) describe themselves with their line
            throw RuntimeError("\(path): \(error)")
        }
    }

    package static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : ".\(k.stringValue)" }
            }
            return s.isEmpty ? "top level" : s
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "\(path(ctx.codingPath)): missing '\(key.stringValue)'"
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(type) — \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): missing \(type) value"
        case .dataCorrupted(let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    package static func yaml(_ spec: PipelineSpec) throws -> String {
        try YAMLEncoder().encode(spec)
    }

    package static func json(_ spec: PipelineSpec) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(spec), as: UTF8.self)
    }
}
