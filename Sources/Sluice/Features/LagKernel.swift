/// `field` n records earlier for the same key: a ring of the key's last `max(lags)` values.
final class LagKernel: FeatureKernel {
    let input: Int
    let lags: [Int]
    let outputs: [Int]
    private let depth: Int
    private var ring: KeyedValues<Double>
    private var ringValid: KeyedValues<UInt8>
    /// Records seen per key (capped use: only `min(seen, depth)` ring entries are meaningful).
    private var seen = KeyedValues<Int>(fill: 0)

    init(input: Int, lags: [Int], outputs: [Int]) {
        self.input = input
        self.lags = lags
        self.outputs = outputs
        depth = lags.max() ?? 1
        ring = KeyedValues(width: depth, fill: 0)
        ringValid = KeyedValues(width: depth, fill: 0)
    }

    func ensure(keys count: Int) {
        ring.ensure(count); ringValid.ensure(count); seen.ensure(count)
    }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let n = seen[key, 0]
        for (i, lag) in lags.enumerated() {
            let out = batch.columns[outputs[i]]
            if lag <= n {
                let pos = (n - lag) % depth
                writeDouble(out, r, ringValid[key, pos] != 0 ? ring[key, pos] : nil)
            } else {
                out.validity[r] = 0
            }
        }
        let value = numericValue(batch.columns[input], r)
        let pos = n % depth
        ring[key, pos] = value ?? 0
        ringValid[key, pos] = value == nil ? 0 : 1
        seen[key, 0] = n + 1
    }

    func reset(key: Int32) { seen.reset(key) }
    func remap(_ mapping: [Int32], keys count: Int) {
        ring.remap(mapping, keys: count); ringValid.remap(mapping, keys: count); seen.remap(mapping, keys: count)
    }
    var stateBytes: Int { ring.bytes + ringValid.bytes + seen.bytes }

    func saveState(to w: inout StateWriter) {
        ring.save(to: &w)
        ringValid.save(to: &w)
        seen.save(to: &w)
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try ring.restore(from: &r)
        try ringValid.restore(from: &r)
        try seen.restore(from: &r)
    }
    var explanation: String { "lag \(lags.map(String.init).joined(separator: ", ")) (ring of \(depth) per key)" }
}
