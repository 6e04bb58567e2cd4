import ArgumentParser
import Sluice
import SluiceCommandCore

struct SpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec",
        abstract: "Print a pipeline as its spec (YAML or JSON): the same plan `run --spec` reads.")

    @OptionGroup var pipeline: PipelineSelection

    @Option(help: "yaml or json.")
    var format: String = "yaml"

    func run() throws {
        let spec = try pipeline.resolve()
        switch format {
        case "yaml", "yml": print(try SpecLoader.yaml(spec), terminator: "")
        case "json": print(try SpecLoader.json(spec))
        default: throw ValidationError("--format must be yaml or json")
        }
    }
}
