import Sluice

/// The example pipelines the `sluice` binary ships with.
public let builtinPipelines = PipelineRegistry([sensorFeatures, requestLatency])
