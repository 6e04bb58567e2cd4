import ArgumentParser
import Sluice
import SluiceCommandCore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print the physical plan: fused stages, operators, keys and state.")

    @OptionGroup var pipeline: PipelineSelection

    @Option(help: "Rows per micro-batch (default: the pipeline's, else 4096).")
    var batchSize: Int?

    @Option(help: "Worker threads to describe (as `run --shards`).")
    var shards: Int = ParallelOptions.defaultShards

    @Option(help: "Blocks read ahead (as `run --prefetch`).")
    var prefetch: Int = 4

    @Option(help: "Key groups (as `run --key-groups`).")
    var keyGroups: Int = 128

    func run() throws {
        let spec = try pipeline.resolve()
        do {
            let plan = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil), batchSize: batchSize, resources: pipeline.planResources)
            let parallel = ParallelOptions(shards: shards, prefetch: prefetch, keyGroups: keyGroups)
            print(plan.explain(parallel: parallel), terminator: "")
        } catch {
            throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
        }
    }
}
