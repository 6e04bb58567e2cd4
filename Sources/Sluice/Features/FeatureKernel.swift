/// One feature of a ``FeatureOperator``: reads its input column for a row and writes its output
/// columns, keeping per-key state in arrays indexed by the operator's key ids.
///
/// Rows arrive one at a time in input order (per-key order is what a feature depends on);
/// `key` is -1 for stateless features.
protocol FeatureKernel: AnyObject {
    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64)
    /// Makes room for key ids below `count`.
    func ensure(keys count: Int)
    /// Forgets a key's state (its TTL expired).
    func reset(key: Int32)
    /// Moves live keys to their new ids (`mapping[old]`, -1 = dropped) in arrays for `count` keys.
    func remap(_ mapping: [Int32], keys count: Int)
    var stateBytes: Int { get }
    var explanation: String { get }
    /// Checkpoints: the per-key state, indexed by the operator's key ids (which a restore keeps).
    func saveState(to w: inout StateWriter)
    func restoreState(from r: inout StateReader) throws(CheckpointError)
}

extension FeatureKernel {
    func ensure(keys count: Int) {}
    func reset(key: Int32) {}
    func remap(_ mapping: [Int32], keys count: Int) {}
    var stateBytes: Int { 0 }
    // Stateless features keep nothing.
    func saveState(to w: inout StateWriter) {}
    func restoreState(from r: inout StateReader) throws(CheckpointError) {}
}

/// Per-key values in a flat array, `width` per key, grown and compacted with the key space.
struct KeyedValues<T> {
    var values: [T] = []
    let width: Int
    let fill: T

    init(width: Int = 1, fill: T) {
        self.width = width
        self.fill = fill
    }

    var keys: Int { values.count / width }

    mutating func ensure(_ count: Int) {
        guard count > keys else { return }
        var n = Swift.max(16, keys)
        while n < count { n *= 2 }
        values += Array(repeating: fill, count: (n - keys) * width)
    }

    mutating func reset(_ key: Int32) {
        let base = Int(key) * width
        for i in 0..<width { values[base + i] = fill }
    }

    mutating func remap(_ mapping: [Int32], keys count: Int) {
        var fresh = Array(repeating: fill, count: Swift.max(16, count) * width)
        for (old, new) in mapping.enumerated() where new >= 0 && old < keys {
            for i in 0..<width { fresh[Int(new) * width + i] = values[old * width + i] }
        }
        values = fresh
    }

    subscript(key: Int32, i: Int) -> T {
        get { values[Int(key) * width + i] }
        set { values[Int(key) * width + i] = newValue }
    }

    var bytes: Int { values.count * MemoryLayout<T>.stride }
}

extension KeyedValues where T: BitwiseCopyable {
    func save(to w: inout StateWriter) { w.write(values) }

    mutating func restore(from r: inout StateReader) throws(CheckpointError) {
        let restored: [T] = try r.readArray()
        guard restored.count % width == 0 else { throw .corrupt("per-key values: \(restored.count) is not a multiple of \(width)") }
        values = restored
    }
}

/// Reads a numeric input column as Double.
@inline(__always)
func numericValue(_ c: Column, _ r: Int) -> Double? {
    guard c.validity[r] != 0 else { return nil }
    return c.type == .float64 ? c.float64[r] : Double(c.int64[r])
}

@inline(__always)
func writeDouble(_ c: Column, _ r: Int, _ v: Double?) {
    if let v, v.isFinite {
        c.float64[r] = v
        c.validity[r] = 1
    } else {
        c.validity[r] = 0
    }
}
