/// An operator whose state a checkpoint captures, so a restarted run continues exactly where the
/// checkpoint left it: the same windows open with the same partial aggregates, the same watermark.
///
/// Contract: ``saveState(to:)`` is called between batches (never mid-batch), and
/// ``restoreState(from:)`` on a freshly compiled operator of the same spec, before its first batch.
/// Key ids are not saved as ids but as key values, since dictionaries differ between runs.
public protocol CheckpointableOperator: AnyObject {
    func saveState(to writer: inout StateWriter)
    func restoreState(from reader: inout StateReader) throws(CheckpointError)
}
