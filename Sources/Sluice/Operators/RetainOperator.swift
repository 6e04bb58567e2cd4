import Synchronization

/// The `retain` step: appends the selected rows to a ``ReplayBuffer`` and
/// leaves the batch untouched (no column written, no row rejected), so it
/// costs the stream one columnar copy of the rows and nothing else.
///
/// The buffer is opened at the first batch, not when the plan is compiled,
/// so `explain` and plan validation never touch the disk. It is the
/// process-wide writer of the directory (``ReplayBuffer/shared(directory:options:)``),
/// so the operators of parallel shards share it.
///
/// At the end of input ``finish()`` writes the memory tail to disk. If the
/// runner does not call it, `deinit` does (ignoring errors), and the buffer's
/// own `deinit` does when its last user goes; nothing retained is lost when
/// the process exits normally.
public final class RetainOperator: FlushingOperator {
    public let spec: RetainSpec
    /// The retained fields and their slots in the stage layout.
    public let fields: [Field]
    public let slots: [Int]
    private let buffer = Mutex<ReplayBuffer?>(nil)

    init(_ spec: RetainSpec, fields: [Field], slots: [Int], context: String) throws(PlanError) {
        guard !spec.directory.isEmpty else { throw PlanError("retain needs a directory (\(context))") }
        do { try spec.options.validate() } catch { throw PlanError("retain: \(error) (\(context))") }
        self.spec = spec
        self.fields = fields
        self.slots = slots
    }

    deinit { try? finish() }

    /// The replay buffer, opened on first use.
    public func replayBuffer() throws(ReplayError) -> ReplayBuffer {
        try buffer.withLock { open throws(ReplayError) -> ReplayBuffer in
            if let open { return open }
            let opened = try ReplayBuffer.shared(directory: spec.directory, options: spec.options)
            open = opened
            return opened
        }
    }

    public func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        guard batch.selectedCount > 0 else { return }
        try replayBuffer().append(batch, slots: slots)
    }

    /// Writes the retained records still in memory to disk. Safe to call more than once.
    public func finish() throws {
        try buffer.withLock { open throws(ReplayError) in try open?.flush() }
    }

    public var explanation: String {
        var bounds = "last \(spec.maxRecords) records"
        if let maxBytes = spec.maxBytes { bounds += ", at most \(maxBytes) on disk" }
        return "retain(\(fields.map(\.name).joined(separator: ", "))) -> \(spec.directory) (\(bounds); memory tail \(spec.memory), zstd \(spec.level) segments; pass-through)"
    }
}
