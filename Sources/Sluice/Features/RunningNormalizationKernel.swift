/// Running normalization per key, test-then-update: each record is scaled with statistics of the
/// key's records before it (Welford mean/variance for z-score, min/max for min-max), then folded
/// in. During the first `warmUp` records of a key the output is null (too little history).
final class RunningNormalizationKernel: FeatureKernel {
    enum Kind { case zScore, minMax }
    let kind: Kind
    let input: Int, output: Int
    let warmUp: Int
    private var n = KeyedValues<Int>(fill: 0)
    private var a = KeyedValues<Double>(fill: 0)  // mean | min
    private var b = KeyedValues<Double>(fill: 0)  // m2 | max

    init(kind: Kind, input: Int, output: Int, warmUp: Int) {
        self.kind = kind
        self.input = input
        self.output = output
        self.warmUp = warmUp
    }

    func ensure(keys count: Int) { n.ensure(count); a.ensure(count); b.ensure(count) }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let out = batch.columns[output]
        guard let x = numericValue(batch.columns[input], r) else {
            out.validity[r] = 0
            return
        }
        let count = n[key, 0]
        switch kind {
        case .zScore:
            let std = count > 1 ? (b[key, 0] / Double(count - 1)).squareRoot() : 0
            writeDouble(out, r, count >= Swift.max(warmUp, 2) && std > 0 ? (x - a[key, 0]) / std : nil)
            let delta = x - a[key, 0]
            a[key, 0] += delta / Double(count + 1)
            b[key, 0] += delta * (x - a[key, 0])
        case .minMax:
            let lo = a[key, 0], hi = b[key, 0]
            writeDouble(out, r, count >= Swift.max(warmUp, 1) && hi > lo ? (x - lo) / (hi - lo) : nil)
            if count == 0 || x < lo { a[key, 0] = x }
            if count == 0 || x > hi { b[key, 0] = x }
        }
        n[key, 0] = count + 1
    }

    func reset(key: Int32) { n.reset(key); a.reset(key); b.reset(key) }
    func remap(_ mapping: [Int32], keys count: Int) { n.remap(mapping, keys: count); a.remap(mapping, keys: count); b.remap(mapping, keys: count) }
    var stateBytes: Int { n.bytes + a.bytes + b.bytes }

    func saveState(to w: inout StateWriter) {
        n.save(to: &w)
        a.save(to: &w)
        b.save(to: &w)
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try n.restore(from: &r)
        try a.restore(from: &r)
        try b.restore(from: &r)
    }
    var explanation: String { "\(kind == .zScore ? "running z-score" : "running min-max") (test-then-update, warm-up \(warmUp))" }
}
