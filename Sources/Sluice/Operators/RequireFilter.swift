/// Rejects rows where any required field is null (`missing_required`).
final class RequireFilter: BatchOperator {
    let slots: [Int]
    let reasons: [Int]
    let fields: [String]

    init(fields: [String], slots: [Int], deadLetters: DeadLetters) {
        self.fields = fields
        self.slots = slots
        self.reasons = fields.map { deadLetters.register(RejectionReason(.missingRequired, rule: "require(\($0))", field: $0)) }
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        for (slot, reason) in zip(slots, reasons) {
            let valid = batch.columns[slot].validity
            try batch.filterSelection({ valid[$0] != 0 }) { row in
                try deadLetters.reject(batch, row: row, reason: reason, value: "null")
            }
        }
    }

    var explanation: String { "require(\(fields.joined(separator: ", ")))" }
}
