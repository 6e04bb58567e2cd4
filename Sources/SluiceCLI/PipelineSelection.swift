import ArgumentParser
import Foundation
import Sluice
import Yams

/// Chooses a pipeline: by name from the registry, or from a spec file.
struct PipelineSelection: ParsableArguments {
    @Argument(help: "The name of a built-in pipeline (see `sluice list`).")
    var name: String?

    @Option(name: .long, help: "A pipeline spec file (.yaml, .yml or .json) instead of a name.")
    var spec: String?

    func resolve() throws -> PipelineSpec {
        switch (name, spec) {
        case (let name?, nil):
            guard let p = CommandContext.pipelines.named(name) else {
                let known = CommandContext.pipelines.names
                throw ValidationError("no pipeline named '\(name)'; known: \(known.isEmpty ? "none" : known.joined(separator: ", ")) (or use --spec FILE)")
            }
            return p.spec
        case (nil, let path?):
            return try SpecLoader.load(path: path)
        case (nil, nil):
            throw ValidationError("name a pipeline (see `sluice list`) or pass --spec FILE")
        case (_?, _?):
            throw ValidationError("give either a pipeline name or --spec, not both")
        }
    }
}

/// Reads pipeline specs, turning decoding failures into messages that point at the place in the file.
enum SpecLoader {
    static func load(path: String) throws -> PipelineSpec {
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
        } catch let error as YamlError {
            throw RuntimeError("\(path): \(error)")
        } catch {
            throw RuntimeError("\(path): \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
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

    static func yaml(_ spec: PipelineSpec) throws -> String {
        try YAMLEncoder().encode(spec)
    }

    static func json(_ spec: PipelineSpec) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(spec), as: UTF8.self)
    }
}
