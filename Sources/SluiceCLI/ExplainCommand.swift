import ArgumentParser
import Sluice

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print the physical plan: fused stages, operators, keys and state.")

    @OptionGroup var pipeline: PipelineSelection

    @Option(help: "Rows per micro-batch (default: the pipeline's, else 4096).")
    var batchSize: Int?

    func run() throws {
        let spec = try pipeline.resolve()
        do {
            let plan = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil), batchSize: batchSize)
            print(plan.explain(), terminator: "")
        } catch {
            throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
        }
    }
}
