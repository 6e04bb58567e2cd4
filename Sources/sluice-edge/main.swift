// `sluice-edge`: the edge agent alone (`sluice-edge --config edge.yaml`, the same verb and flags as
// `sluice edge`), for a device image that ships only the agent: without the other verbs, the benches
// and the online-learning library it is 16.5 MiB stripped instead of 18.2. Its memory is the same as
// `sluice edge` within the noise (README "Edge agent", Memory): both link the same libraries.
import SluiceCommandCore
import SluiceEdgeCommand
import SluicePipelines

CommandContext.registry.withLock { $0 = builtinPipelines }
EdgeCommand.main()
exit(0)
