/// Rejects rows whose numeric field is outside `[min, max]` (`out_of_range`);
/// a null is rejected too unless `allowNull`.
final class RangeFilter: BatchOperator {
    let field: String
    let slot: Int
    let min: Double, max: Double
    let allowNull: Bool
    let reason: Int

    init(field: String, slot: Int, min: Double, max: Double, allowNull: Bool, deadLetters: DeadLetters) {
        self.field = field
        self.slot = slot
        self.min = min
        self.max = max
        self.allowNull = allowNull
        self.reason = deadLetters.register(RejectionReason(.outOfRange, rule: "in_range(\(field), \(min)...\(max))", field: field))
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let column = batch.columns[slot]
        let valid = column.validity
        let lo = min, hi = max
        let nullOK: UInt8 = allowNull ? 1 : 0
        let reject: (Int) throws -> Void = { row in
            try deadLetters.reject(batch, row: row, reason: self.reason, value: describeValue(column, batch, row))
        }
        if column.type == .float64 {
            let v = column.float64
            try batch.filterSelection({ r in valid[r] != 0 ? (v[r] >= lo && v[r] <= hi) : nullOK != 0 }, reject: reject)
        } else {
            let v = column.int64
            try batch.filterSelection({ r in valid[r] != 0 ? (Double(v[r]) >= lo && Double(v[r]) <= hi) : nullOK != 0 }, reject: reject)
        }
    }

    var explanation: String { "in_range(\(field), \(min)...\(max)\(allowNull ? ", allow null" : ""))" }
}
