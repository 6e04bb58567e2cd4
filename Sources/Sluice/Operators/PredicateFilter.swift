/// Rejects rows by a compiled condition: `drop(where:)` rejects where it is
/// true; `keep(where:)` rejects where it is false or null.
final class PredicateFilter: BatchOperator {
    let condition: Expr
    let node: BoolNode
    let dropWhenTrue: Bool
    let reason: Int
    let label: String

    init(condition: Expr, node: BoolNode, dropWhenTrue: Bool, reason: RejectionReason, deadLetters: DeadLetters) {
        self.condition = condition
        self.node = node
        self.dropWhenTrue = dropWhenTrue
        self.reason = deadLetters.register(reason)
        self.label = reason.rule
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let view = node.view(batch)
        let values = view.values, validity = view.validity
        let reject: (Int) throws -> Void = { row in try deadLetters.reject(batch, row: row, reason: self.reason) }
        if dropWhenTrue {
            try batch.filterSelection({ r in validity[r] == 0 || values[r] == 0 }, reject: reject)
        } else {
            try batch.filterSelection({ r in validity[r] != 0 && values[r] != 0 }, reject: reject)
        }
    }

    var explanation: String { label }
}
