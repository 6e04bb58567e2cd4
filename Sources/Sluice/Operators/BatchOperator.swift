/// A stateless, per-batch kernel: it reads and writes columns of the
/// selected rows and may shrink the selection (rejecting rows to the
/// dead-letter output). Consecutive operators form one fused stage: they run
/// back to back over the same batch while it is hot in cache, with no
/// intermediate batches or queues.
public protocol BatchOperator: AnyObject {
    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws
    /// One line for `explain`.
    var explanation: String { get }
}

extension Batch {
    /// Keeps the selected rows for which `keep(row)` is true and hands every
    /// other row to `reject`. The selection stays in ascending order.
    @inlinable
    public func filterSelection(_ keep: (Int) -> Bool, reject: (Int) throws -> Void) rethrows {
        let sel = selection
        var kept = 0
        for j in 0..<selectedCount {
            let r = sel[j]
            sel[kept] = r
            if keep(Int(r)) {
                kept &+= 1
            } else {
                try reject(Int(r))
            }
        }
        selectedCount = kept
    }
}

/// Formats the value of a row for a dead-letter line.
func describeValue(_ column: Column, _ batch: Batch, _ row: Int) -> String {
    guard column.isValid(row) else { return "null" }
    switch column.type {
    case .float64: return String(column.float64[row])
    case .int64: return String(column.int64[row])
    case .bool: return column.bools[row] != 0 ? "true" : "false"
    case .string: return batch.arena.string(column.strings[row])
    }
}
