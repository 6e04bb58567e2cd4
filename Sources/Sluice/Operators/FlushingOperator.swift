/// A stateless operator that buffers a side effect (e.g. ``RetainOperator``
/// keeps records in memory before writing them to disk) and must be told
/// when the input has ended. The runner calls ``finish()`` once, after every
/// window has flushed its last output through the later stages.
public protocol FlushingOperator: BatchOperator {
    func finish() throws
}
