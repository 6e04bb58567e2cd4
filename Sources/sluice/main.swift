import SluiceCLI
import SluicePipelines

SluiceCLI.main(registry: builtinPipelines)
