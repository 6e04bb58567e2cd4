import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
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
