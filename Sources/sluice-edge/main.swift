// `sluice-edge`: the edge agent alone (`sluice-edge --config edge.yaml`, the same verb as `sluice edge`).
//
// Why a binary of its own: on a small device the agent's memory is mostly pages of code. This one links
// neither the online-learning library nor the other verbs, and its code for the agent's hot path sits on
// fewer pages: in a 40 MiB memory cgroup it takes the canonical events about twice as fast as `sluice
// edge`, and in 32 MiB it keeps going where `sluice edge` crawls (README "Edge agent", Memory).
import SluiceCommandCore
import SluiceEdgeCommand
import SluicePipelines

CommandContext.registry.withLock { $0 = builtinPipelines }
EdgeCommand.main()
exit(0)
