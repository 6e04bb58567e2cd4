/// Converts a column to another type into a new slot; rows whose value does
/// not convert are rejected (`coercion_failed`) with the value.
///
/// Conversions: string → int64/float64/bool (the decoders' parsers),
/// int64 → float64, float64 → int64 (integral values within range only),
/// bool → int64, anything → string.
final class CoerceColumn: BatchOperator {
    let field: String
    let from: Int, to: Int
    let fromType: DataType, toType: DataType
    let reason: Int

    init(field: String, from: Int, fromType: DataType, to: Int, toType: DataType, deadLetters: DeadLetters) {
        self.field = field
        self.from = from
        self.to = to
        self.fromType = fromType
        self.toType = toType
        reason = deadLetters.register(RejectionReason(.coercionFailed, rule: "coerce(\(field) to \(toType))", field: field))
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let src = batch.columns[from], dst = batch.columns[to]
        let arena = batch.arena
        try batch.filterSelection({ r in
            dst.validity[r] = src.validity[r]
            if src.validity[r] == 0 { return true }
            switch (fromType, toType) {
            case (.string, .float64):
                let s = src.strings[r]
                guard let v = NumberParsing.parseDouble(arena.base + Int(s.offset), Int(s.length)) else { return false }
                dst.float64[r] = v
            case (.string, .int64):
                let s = src.strings[r]
                guard let v = NumberParsing.parseInt64(arena.base + Int(s.offset), Int(s.length)) else { return false }
                dst.int64[r] = v
            case (.string, .bool):
                let s = src.strings[r]
                guard let v = NumberParsing.parseBool(arena.base + Int(s.offset), Int(s.length)) else { return false }
                dst.bools[r] = v ? 1 : 0
            case (.int64, .float64):
                dst.float64[r] = Double(src.int64[r])
            case (.float64, .int64):
                let v = src.float64[r]
                guard v == v.rounded(), let i = Int64(exactly: v) else { return false }
                dst.int64[r] = i
            case (.bool, .int64):
                dst.int64[r] = Int64(src.bools[r])
            case (_, .string):
                dst.strings[r] = arena.append(describeValue(src, batch, r))
            default:
                return false  // the compiler only builds supported conversions
            }
            return true
        }) { row in
            try deadLetters.reject(batch, row: row, reason: reason, value: describeValue(src, batch, row))
        }
    }

    var explanation: String { "coerce(\(field): \(fromType) -> \(toType))" }

    static func isSupported(from: DataType, to: DataType) -> Bool {
        switch (from, to) {
        case (.string, .float64), (.string, .int64), (.string, .bool), (.int64, .float64), (.float64, .int64), (.bool, .int64), (_, .string): return true
        default: return from == to
        }
    }
}
