/// Evaluates an expression into a column (derive and normalize rules).
final class ComputeColumn: BatchOperator {
    enum Source {
        case float(FloatNode)
        case bool(BoolNode)
        /// A plain copy of another column (`derive: {name: b, expr: a}`).
        case copy(slot: Int)
    }

    let name: String
    let expr: Expr
    let source: Source
    let target: Int
    let label: String

    init(name: String, expr: Expr, source: Source, target: Int, label: String) {
        self.name = name
        self.expr = expr
        self.source = source
        self.target = target
        self.label = label
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let out = batch.columns[target]
        let sel = batch.selection, n = batch.selectedCount
        let outValid = out.validity
        switch source {
        case .float(let node):
            let v = node.view(batch)
            let dst = out.float64
            if UnsafePointer(dst) == v.values { return }
            for j in 0..<n {
                let r = Int(sel[j])
                dst[r] = v.values[r]
                outValid[r] = v.validity[r]
            }
        case .bool(let node):
            let v = node.view(batch)
            let dst = out.bools
            for j in 0..<n {
                let r = Int(sel[j])
                dst[r] = v.values[r]
                outValid[r] = v.validity[r]
            }
        case .copy(let slot):
            let src = batch.columns[slot]
            let stride = src.type.stride
            for j in 0..<n {
                let r = Int(sel[j])
                (out.values + r * stride).copyMemory(from: src.values + r * stride, byteCount: stride)
                outValid[r] = src.validity[r]
            }
            if let ids = src.keyIDs, let outIDs = out.keyIDs {
                for j in 0..<n { outIDs[Int(sel[j])] = ids[Int(sel[j])] }
            }
        }
    }

    var explanation: String { label }
}
