/// A compiled expression, typed.
enum CompiledExpr {
    case float(FloatNode)
    case bool(BoolNode)
    /// A string-valued expression is, for now, a column reference or a constant.
    case stringColumn(slot: Int)
    case stringConstant(String)
    case null
}

/// Type-checks expressions against a batch layout and compiles them into
/// vectorised kernel trees.
///
/// Numeric arithmetic is IEEE double (int64 inputs are converted; exact up to
/// 2^53). Comparisons between a string and a number, or arithmetic on strings
/// and booleans, are plan errors reported before any data is read.
struct ExpressionCompiler {
    let schema: Schema
    let capacity: Int

    /// The result type of `expr`, or `nil` for the bare literal `null`.
    static func type(of expr: Expr, in schema: Schema) throws(PlanError) -> DataType? {
        switch expr {
        case .column(let name):
            guard let field = schema[name] else { throw PlanError.unknownField(name, in: schema, context: "expression") }
            return field.type
        case .literal(let lit):
            switch lit {
            case .int: return .int64
            case .double: return .float64
            case .string: return .string
            case .bool: return .bool
            case .null: return nil
            }
        case .unary(.negate, let e):
            try requireNumeric(e, in: schema, context: expr)
            return .float64
        case .unary(.not, let e):
            try requireBool(e, in: schema, context: expr)
            return .bool
        case .binary(let op, let l, let r):
            if op.isArithmetic {
                try requireNumeric(l, in: schema, context: expr)
                try requireNumeric(r, in: schema, context: expr)
                return .float64
            }
            if op.isLogical {
                try requireBool(l, in: schema, context: expr)
                try requireBool(r, in: schema, context: expr)
                return .bool
            }
            let lt = try type(of: l, in: schema), rt = try type(of: r, in: schema)
            if let lt, let rt, lt.isNumeric != rt.isNumeric || (!lt.isNumeric && lt != rt) {
                throw PlanError("cannot compare \(lt) with \(rt) in '\(expr)'")
            }
            if lt == .bool || rt == .bool, op != .equal && op != .notEqual {
                throw PlanError("booleans only support == and != in '\(expr)'")
            }
            return .bool
        case .call(let f, let args):
            switch f {
            case .isNull, .isNotNull:
                _ = try type(of: args[0], in: schema)
                return .bool
            default:
                for a in args { try requireNumeric(a, in: schema, context: expr) }
                return .float64
            }
        }
    }

    private static func requireNumeric(_ e: Expr, in schema: Schema, context: Expr) throws(PlanError) {
        let t = try type(of: e, in: schema)
        if let t, !t.isNumeric { throw PlanError("'\(e)' is \(t), a number is needed in '\(context)'") }
    }

    private static func requireBool(_ e: Expr, in schema: Schema, context: Expr) throws(PlanError) {
        let t = try type(of: e, in: schema)
        if let t, t != .bool { throw PlanError("'\(e)' is \(t), a boolean is needed in '\(context)'") }
    }

    func compile(_ expr: Expr) throws(PlanError) -> CompiledExpr {
        _ = try Self.type(of: expr, in: schema)
        return try build(expr)
    }

    func compileFloat(_ expr: Expr) throws(PlanError) -> FloatNode {
        try asFloat(try compile(expr), expr)
    }

    func compileBool(_ expr: Expr) throws(PlanError) -> BoolNode {
        switch try compile(expr) {
        case .bool(let node): return node
        case .null: return BoolConstantNode(nil, capacity: capacity)
        default: throw PlanError("'\(expr)' is not a condition (it must be true or false)")
        }
    }

    private func asFloat(_ compiled: CompiledExpr, _ expr: Expr) throws(PlanError) -> FloatNode {
        switch compiled {
        case .float(let node): return node
        case .null: return FloatConstantNode(nil, capacity: capacity)
        default: throw PlanError("'\(expr)' is not a number")
        }
    }

    private func build(_ expr: Expr) throws(PlanError) -> CompiledExpr {
        switch expr {
        case .column(let name):
            let slot = schema.index(of: name)!
            switch schema.fields[slot].type {
            case .float64: return .float(FloatColumnNode(slot: slot))
            case .int64: return .float(IntColumnAsFloatNode(slot: slot, capacity: capacity))
            case .bool: return .bool(BoolColumnNode(slot: slot))
            case .string: return .stringColumn(slot: slot)
            }
        case .literal(let lit):
            switch lit {
            case .int(let v): return .float(FloatConstantNode(Double(v), capacity: capacity))
            case .double(let v): return .float(FloatConstantNode(v, capacity: capacity))
            case .string(let s): return .stringConstant(s)
            case .bool(let b): return .bool(BoolConstantNode(b, capacity: capacity))
            case .null: return .null
            }
        case .unary(.negate, let e):
            return .float(FloatUnaryNode(.negate, try asFloat(try build(e), e), capacity: capacity))
        case .unary(.not, let e):
            return .bool(LogicalNode(.not, try boolOrNull(e), nil, capacity: capacity))
        case .binary(let op, let l, let r):
            if op.isArithmetic {
                let fop: FloatBinaryNode.Op
                switch op {
                case .add: fop = .add
                case .subtract: fop = .subtract
                case .multiply: fop = .multiply
                case .divide: fop = .divide
                default: fop = .remainder
                }
                return .float(FloatBinaryNode(fop, try asFloat(try build(l), l), try asFloat(try build(r), r), capacity: capacity))
            }
            if op.isLogical {
                return .bool(LogicalNode(op == .and ? .and : .or, try boolOrNull(l), try boolOrNull(r), capacity: capacity))
            }
            let cmp = ComparisonOp(op)!
            let lc = try build(l), rc = try build(r)
            switch (lc, rc) {
            case (.null, _), (_, .null):
                return .bool(BoolConstantNode(nil, capacity: capacity))
            case (.stringColumn(let a), .stringColumn(let b)):
                return .bool(StringComparisonNode(cmp, slot: a, otherSlot: b, constant: "", capacity: capacity))
            case (.stringColumn(let a), .stringConstant(let k)):
                return .bool(StringComparisonNode(cmp, slot: a, otherSlot: nil, constant: k, capacity: capacity))
            case (.stringConstant(let k), .stringColumn(let a)):
                return .bool(StringComparisonNode(cmp.mirrored, slot: a, otherSlot: nil, constant: k, capacity: capacity))
            case (.stringConstant(let a), .stringConstant(let b)):
                let order = a == b ? 0 : (Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : 1)
                return .bool(BoolConstantNode(cmp.holds(order: order), capacity: capacity))
            case (.bool(let a), .bool(let b)):
                return .bool(BoolComparisonNode(equal: cmp == .equal, a, b, capacity: capacity))
            case (.float(let a), .float(let b)):
                return .bool(FloatComparisonNode(cmp, a, b, capacity: capacity))
            default:
                throw PlanError("cannot compare the operands of '\(expr)'")
            }
        case .call(let f, let args):
            switch f {
            case .isNull, .isNotNull:
                let compiled = try build(args[0])
                let validity: (Batch) -> UnsafePointer<UInt8>
                switch compiled {
                case .float(let node): validity = { node.view($0).validity }
                case .bool(let node): validity = { node.view($0).validity }
                case .stringColumn(let slot): validity = { UnsafePointer($0.columns[slot].validity) }
                case .stringConstant:
                    return .bool(BoolConstantNode(f == .isNotNull, capacity: capacity))
                case .null:
                    return .bool(BoolConstantNode(f == .isNull, capacity: capacity))
                }
                return .bool(NullTestNode(wantNull: f == .isNull, capacity: capacity, validityOf: validity))
            case .min, .max:
                return .float(FloatBinaryNode(f == .min ? .min : .max, try asFloat(try build(args[0]), args[0]), try asFloat(try build(args[1]), args[1]), capacity: capacity))
            case .abs, .sqrt, .log, .exp:
                let op: FloatUnaryNode.Op = f == .abs ? .abs : f == .sqrt ? .sqrt : f == .log ? .log : .exp
                return .float(FloatUnaryNode(op, try asFloat(try build(args[0]), args[0]), capacity: capacity))
            }
        }
    }

    private func boolOrNull(_ e: Expr) throws(PlanError) -> BoolNode {
        switch try build(e) {
        case .bool(let node): return node
        case .null: return BoolConstantNode(nil, capacity: capacity)
        default: throw PlanError("'\(e)' is not a condition")
        }
    }
}

extension ComparisonOp {
    /// The operator with its operands swapped: `k < x` is `x > k`.
    var mirrored: ComparisonOp {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}
