/// Exponentially weighted moving average per key, current record included; the first value
/// starts the average.
final class EWMAKernel: FeatureKernel {
    let input: Int, output: Int
    let alpha: Double
    private var average = KeyedValues<Double>(fill: 0)
    private var started = KeyedValues<UInt8>(fill: 0)

    init(input: Int, output: Int, alpha: Double) {
        self.input = input
        self.output = output
        self.alpha = alpha
    }

    func ensure(keys n: Int) { average.ensure(n); started.ensure(n) }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        guard let x = numericValue(batch.columns[input], r) else {
            batch.columns[output].validity[r] = 0
            return
        }
        let s = started[key, 0] == 0 ? x : alpha * x + (1 - alpha) * average[key, 0]
        average[key, 0] = s
        started[key, 0] = 1
        writeDouble(batch.columns[output], r, s)
    }

    func reset(key: Int32) { started.reset(key) }
    func remap(_ mapping: [Int32], keys n: Int) { average.remap(mapping, keys: n); started.remap(mapping, keys: n) }
    var stateBytes: Int { average.bytes + started.bytes }

    func saveState(to w: inout StateWriter) {
        average.save(to: &w)
        started.save(to: &w)
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try average.restore(from: &r)
        try started.restore(from: &r)
    }
    var explanation: String { "ewma alpha \(alpha)" }
}
