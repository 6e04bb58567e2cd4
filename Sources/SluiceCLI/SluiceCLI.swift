import ArgumentParser
import Sluice
import SluiceCommandCore
import SluiceEdgeCommand
import Synchronization

/// The `sluice` command-line verbs, as a library: a package that defines its
/// own pipelines ships them in a binary with the same verbs:
///
/// ```swift
/// import Sluice
/// import SluiceCLI
///
/// @main struct MyPipelines {
///     static func main() { SluiceCLI.main(registry: PipelineRegistry([myPipeline])) }
/// }
/// ```
public enum SluiceCLI {
    /// Parses the process arguments and runs the verb, with `registry` as the
    /// pipelines known by name. Exits the process.
    public static func main(registry: PipelineRegistry, arguments: [String]? = nil) -> Never {
        CommandContext.registry.withLock { $0 = registry }
        SluiceCommand.main(arguments)
        exit(0)
    }
}

struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Streaming data pipelines in Swift: run, explain and benchmark them.",
        discussion: """
        Pipelines are named (built into this binary: see `sluice list`) or loaded from a \
        YAML/JSON spec with --spec. Input and output are CSV or NDJSON files, or stdin/stdout (-).
        """,
        subcommands: [RunCommand.self, ExplainCommand.self, ListCommand.self, SpecCommand.self, GenCommand.self, BenchCommand.self, ReplayCommand.self, BenchReplayCommand.self, BenchEnrichCommand.self, BenchMLCommand.self, BenchDriftCommand.self, BenchWindowsCommand.self, BenchKeysCommand.self, TrainCommand.self, ModelsCommand.self, BenchRetrainCommand.self, BrokerCommand.self, ProduceCommand.self, ConsumeCommand.self, LagCommand.self, StatusCommand.self, BenchKafkaCommand.self, BenchScaleCommand.self, BenchSpoolCommand.self, EdgeCommand.self, BenchEdgeCommand.self]
    )
}
