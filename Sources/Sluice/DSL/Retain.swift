/// Keeps the most recent records at this point of the pipeline in a replay
/// directory, passing them through unchanged:
/// `Retain(in: "replay/", maxRecords: 1_000_000)`. A later job replays them
/// with ``ReplayBuffer/replay(_:)`` or `sluice replay DIR`.
public struct Retain: PipelineStep {
    public let steps: [Step]
    public init(in directory: String, maxRecords: Int = 1_000_000, maxBytes: ByteCount? = nil,
                memory: ByteCount = .mebibytes(8), level: Int = 3) {
        steps = [.retain(RetainSpec(directory: directory, maxRecords: maxRecords, maxBytes: maxBytes, memory: memory, level: level))]
    }
}
