import Glibc

// Compiled expression nodes. Each node evaluates a whole batch at once, over
// the selected rows only, into a scratch vector it owns (allocated once, at
// batch capacity). Column references return the column's own buffers, so
// `temp * 2` reads `temp` in place. Validity propagates: an arithmetic result
// is null when any input is null.

/// A read-only view of a numeric vector, indexed by row.
@usableFromInline
struct FloatView {
    @usableFromInline let values: UnsafePointer<Double>
    @usableFromInline let validity: UnsafePointer<UInt8>
}

/// A read-only view of a boolean vector (0/1 bytes), indexed by row.
@usableFromInline
struct BoolView {
    @usableFromInline let values: UnsafePointer<UInt8>
    @usableFromInline let validity: UnsafePointer<UInt8>
}

/// Scratch storage for one node's results.
final class Scratch<Element> {
    let values: UnsafeMutablePointer<Element>
    let validity: UnsafeMutablePointer<UInt8>
    init(capacity: Int, fill: Element) {
        values = .allocate(capacity: capacity)
        values.initialize(repeating: fill, count: capacity)
        validity = .allocate(capacity: capacity)
        validity.initialize(repeating: 1, count: capacity)
    }
    deinit {
        values.deallocate()
        validity.deallocate()
    }
}

/// A numeric expression node. Nodes belong to one compiled plan instance, run by one thread at a time.
protocol FloatNode: AnyObject {
    /// Evaluates the node over the batch's selected rows.
    func view(_ batch: Batch) -> FloatView
}

/// A boolean expression node (see ``FloatNode``).
protocol BoolNode: AnyObject {
    func view(_ batch: Batch) -> BoolView
}

final class FloatColumnNode: FloatNode {
    let slot: Int
    init(slot: Int) { self.slot = slot }
    func view(_ batch: Batch) -> FloatView {
        let c = batch.columns[slot]
        return FloatView(values: UnsafePointer(c.float64), validity: UnsafePointer(c.validity))
    }
}

final class IntColumnAsFloatNode: FloatNode {
    let slot: Int
    let scratch: Scratch<Double>
    init(slot: Int, capacity: Int) {
        self.slot = slot
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> FloatView {
        let c = batch.columns[slot]
        let src = c.int64, out = scratch.values
        let sel = batch.selection
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            out[r] = Double(src[r])
        }
        return FloatView(values: UnsafePointer(out), validity: UnsafePointer(c.validity))
    }
}

final class FloatConstantNode: FloatNode {
    let scratch: Scratch<Double>
    init(_ value: Double?, capacity: Int) {
        scratch = Scratch(capacity: capacity, fill: value ?? 0)
        if value == nil { scratch.validity.update(repeating: 0, count: capacity) }
    }
    func view(_ batch: Batch) -> FloatView {
        FloatView(values: UnsafePointer(scratch.values), validity: UnsafePointer(scratch.validity))
    }
}

final class FloatBinaryNode: FloatNode {
    enum Op { case add, subtract, multiply, divide, remainder, min, max }
    let op: Op
    let lhs: FloatNode, rhs: FloatNode
    let scratch: Scratch<Double>
    init(_ op: Op, _ lhs: FloatNode, _ rhs: FloatNode, capacity: Int) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        scratch = Scratch(capacity: capacity, fill: 0)
    }

    func view(_ batch: Batch) -> FloatView {
        let a = lhs.view(batch), b = rhs.view(batch)
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection, n = batch.selectedCount
        @inline(__always) func apply(_ f: (Double, Double) -> Double) {
            for j in 0..<n {
                let r = Int(sel[j])
                out[r] = f(a.values[r], b.values[r])
                outValid[r] = a.validity[r] & b.validity[r]
            }
        }
        switch op {
        case .add: apply { $0 + $1 }
        case .subtract: apply { $0 - $1 }
        case .multiply: apply { $0 * $1 }
        case .divide: apply { $0 / $1 }
        case .remainder: apply { fmod($0, $1) }
        case .min: apply { Swift.min($0, $1) }
        case .max: apply { Swift.max($0, $1) }
        }
        return FloatView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

final class FloatUnaryNode: FloatNode {
    enum Op { case negate, abs, sqrt, log, exp }
    let op: Op
    let operand: FloatNode
    let scratch: Scratch<Double>
    init(_ op: Op, _ operand: FloatNode, capacity: Int) {
        self.op = op
        self.operand = operand
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> FloatView {
        let a = operand.view(batch)
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection, n = batch.selectedCount
        @inline(__always) func apply(_ f: (Double) -> Double) {
            for j in 0..<n {
                let r = Int(sel[j])
                out[r] = f(a.values[r])
                outValid[r] = a.validity[r]
            }
        }
        switch op {
        case .negate: apply { -$0 }
        case .abs: apply { Swift.abs($0) }
        case .sqrt: apply { $0.squareRoot() }
        case .log: apply { Glibc.log($0) }
        case .exp: apply { Glibc.exp($0) }
        }
        return FloatView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

final class BoolColumnNode: BoolNode {
    let slot: Int
    init(slot: Int) { self.slot = slot }
    func view(_ batch: Batch) -> BoolView {
        let c = batch.columns[slot]
        return BoolView(values: UnsafePointer(c.bools), validity: UnsafePointer(c.validity))
    }
}

final class BoolConstantNode: BoolNode {
    let scratch: Scratch<UInt8>
    init(_ value: Bool?, capacity: Int) {
        scratch = Scratch(capacity: capacity, fill: value == true ? 1 : 0)
        if value == nil { scratch.validity.update(repeating: 0, count: capacity) }
    }
    func view(_ batch: Batch) -> BoolView {
        BoolView(values: UnsafePointer(scratch.values), validity: UnsafePointer(scratch.validity))
    }
}

enum ComparisonOp {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    init?(_ op: BinaryOperator) {
        switch op {
        case .equal: self = .equal
        case .notEqual: self = .notEqual
        case .less: self = .less
        case .lessOrEqual: self = .lessOrEqual
        case .greater: self = .greater
        case .greaterOrEqual: self = .greaterOrEqual
        default: return nil
        }
    }

    /// The result of comparing with a three-way `order` (-1, 0, 1).
    @inline(__always) func holds(order: Int) -> Bool {
        switch self {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}

final class FloatComparisonNode: BoolNode {
    let op: ComparisonOp
    let lhs: FloatNode, rhs: FloatNode
    let scratch: Scratch<UInt8>
    init(_ op: ComparisonOp, _ lhs: FloatNode, _ rhs: FloatNode, capacity: Int) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> BoolView {
        let a = lhs.view(batch), b = rhs.view(batch)
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection, n = batch.selectedCount
        @inline(__always) func apply(_ f: (Double, Double) -> Bool) {
            for j in 0..<n {
                let r = Int(sel[j])
                out[r] = f(a.values[r], b.values[r]) ? 1 : 0
                outValid[r] = a.validity[r] & b.validity[r]
            }
        }
        switch op {
        case .equal: apply { $0 == $1 }
        case .notEqual: apply { $0 != $1 }
        case .less: apply { $0 < $1 }
        case .lessOrEqual: apply { $0 <= $1 }
        case .greater: apply { $0 > $1 }
        case .greaterOrEqual: apply { $0 >= $1 }
        }
        return BoolView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

/// Compares a string column with a constant or with another string column (bytewise, i.e. by UTF-8 code units).
final class StringComparisonNode: BoolNode {
    let op: ComparisonOp
    let slot: Int
    let otherSlot: Int?
    let constant: [UInt8]
    let scratch: Scratch<UInt8>
    init(_ op: ComparisonOp, slot: Int, otherSlot: Int?, constant: String, capacity: Int) {
        self.op = op
        self.slot = slot
        self.otherSlot = otherSlot
        self.constant = Array(constant.utf8)
        scratch = Scratch(capacity: capacity, fill: 0)
    }

    func view(_ batch: Batch) -> BoolView {
        let c = batch.columns[slot]
        let slots = c.strings, valid = c.validity, arena = batch.arena.base
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection, n = batch.selectedCount
        if let otherSlot {
            let o = batch.columns[otherSlot]
            for j in 0..<n {
                let r = Int(sel[j])
                let order = compareBytes(arena + Int(slots[r].offset), Int(slots[r].length), arena + Int(o.strings[r].offset), Int(o.strings[r].length))
                out[r] = op.holds(order: order) ? 1 : 0
                outValid[r] = valid[r] & o.validity[r]
            }
        } else {
            constant.withUnsafeBufferPointer { k in
                let kp = k.baseAddress ?? UnsafePointer(arena), kn = k.count
                if op == .equal || op == .notEqual {
                    let wantEqual: UInt8 = op == .equal ? 1 : 0
                    for j in 0..<n {
                        let r = Int(sel[j])
                        let s = slots[r]
                        let equal = Int(s.length) == kn && memcmp(arena + Int(s.offset), kp, kn) == 0
                        out[r] = equal ? wantEqual : 1 - wantEqual
                        outValid[r] = valid[r]
                    }
                } else {
                    for j in 0..<n {
                        let r = Int(sel[j])
                        let order = compareBytes(arena + Int(slots[r].offset), Int(slots[r].length), kp, kn)
                        out[r] = op.holds(order: order) ? 1 : 0
                        outValid[r] = valid[r]
                    }
                }
            }
        }
        return BoolView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

@inline(__always)
func compareBytes(_ a: UnsafePointer<UInt8>, _ an: Int, _ b: UnsafePointer<UInt8>, _ bn: Int) -> Int {
    let m = memcmp(a, b, Swift.min(an, bn))
    if m != 0 { return m < 0 ? -1 : 1 }
    return an == bn ? 0 : (an < bn ? -1 : 1)
}

final class BoolComparisonNode: BoolNode {
    let equal: Bool
    let lhs: BoolNode, rhs: BoolNode
    let scratch: Scratch<UInt8>
    init(equal: Bool, _ lhs: BoolNode, _ rhs: BoolNode, capacity: Int) {
        self.equal = equal
        self.lhs = lhs
        self.rhs = rhs
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> BoolView {
        let a = lhs.view(batch), b = rhs.view(batch)
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            out[r] = (a.values[r] == b.values[r]) == equal ? 1 : 0
            outValid[r] = a.validity[r] & b.validity[r]
        }
        return BoolView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

/// `&&`, `||` and `!` with SQL's three-valued logic: `false && null` is false,
/// `true || null` is true, anything else involving null is null.
final class LogicalNode: BoolNode {
    enum Op { case and, or, not }
    let op: Op
    let lhs: BoolNode, rhs: BoolNode?
    let scratch: Scratch<UInt8>
    init(_ op: Op, _ lhs: BoolNode, _ rhs: BoolNode?, capacity: Int) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> BoolView {
        let a = lhs.view(batch)
        let out = scratch.values, outValid = scratch.validity
        let sel = batch.selection, n = batch.selectedCount
        switch op {
        case .not:
            for j in 0..<n {
                let r = Int(sel[j])
                out[r] = a.values[r] != 0 ? 0 : 1
                outValid[r] = a.validity[r]
            }
        case .and:
            let b = rhs!.view(batch)
            for j in 0..<n {
                let r = Int(sel[j])
                // Values of null rows are unspecified: normalise to 0/1 first.
                let av: UInt8 = a.values[r] != 0 ? 1 : 0, bv: UInt8 = b.values[r] != 0 ? 1 : 0
                let aok = a.validity[r], bok = b.validity[r]
                let definitelyFalse = (aok & (1 - av)) | (bok & (1 - bv))
                out[r] = av & bv & aok & bok
                outValid[r] = definitelyFalse | (aok & bok)
            }
        case .or:
            let b = rhs!.view(batch)
            for j in 0..<n {
                let r = Int(sel[j])
                let av: UInt8 = a.values[r] != 0 ? 1 : 0, bv: UInt8 = b.values[r] != 0 ? 1 : 0
                let aok = a.validity[r], bok = b.validity[r]
                let definitelyTrue = (aok & av) | (bok & bv)
                out[r] = definitelyTrue
                outValid[r] = definitelyTrue | (aok & bok)
            }
        }
        return BoolView(values: UnsafePointer(out), validity: UnsafePointer(outValid))
    }
}

/// `is_null(x)` / `is_not_null(x)`: never null itself.
final class NullTestNode: BoolNode {
    let wantNull: Bool
    let validityOf: (Batch) -> UnsafePointer<UInt8>
    let scratch: Scratch<UInt8>
    init(wantNull: Bool, capacity: Int, validityOf: @escaping (Batch) -> UnsafePointer<UInt8>) {
        self.wantNull = wantNull
        self.validityOf = validityOf
        scratch = Scratch(capacity: capacity, fill: 0)
    }
    func view(_ batch: Batch) -> BoolView {
        let v = validityOf(batch)
        let out = scratch.values
        let sel = batch.selection
        let flip: UInt8 = wantNull ? 1 : 0
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            out[r] = v[r] ^ flip
        }
        return BoolView(values: UnsafePointer(out), validity: UnsafePointer(scratch.validity))
    }
}
