/// Mean and sample standard deviation over a key's last N non-null values, or over its values
/// within the last `span` of event time, current record included.
///
/// Last-N keeps a ring per key; the time span keeps each key's (time, value) pairs in arrival
/// order and drops those `span` or more older than the current record. Statistics are recomputed
/// from the window (two passes: mean, then squared deviations), so they are exact, not drifting
/// running sums.
final class RollingKernel: FeatureKernel {
    let input: Int
    let last: Int?
    let spanMs: Int64?
    let meanOutput: Int, stdOutput: Int
    private var ring: KeyedValues<Double>
    private var count = KeyedValues<Int>(fill: 0)
    private var spans: [[(time: Int64, value: Double)]] = []

    init(input: Int, last: Int?, span: Int64?, meanOutput: Int, stdOutput: Int) {
        self.input = input
        self.last = last
        spanMs = span
        self.meanOutput = meanOutput
        self.stdOutput = stdOutput
        ring = KeyedValues(width: last ?? 1, fill: 0)
    }

    func ensure(keys n: Int) {
        if last != nil { ring.ensure(n); count.ensure(n) } else if spans.count < n { spans += Array(repeating: [], count: n - spans.count) }
    }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let value = numericValue(batch.columns[input], r)
        let means = batch.columns[meanOutput], stds = batch.columns[stdOutput]
        guard let value else {
            means.validity[r] = 0
            stds.validity[r] = 0
            return
        }
        var sum = 0.0, n = 0
        var mean = 0.0, m2 = 0.0
        if let last {
            let seen = count[key, 0]
            ring[key, seen % last] = value
            count[key, 0] = seen + 1
            n = Swift.min(seen + 1, last)
            for i in 0..<n { sum += ring[key, i] }
            mean = sum / Double(n)
            for i in 0..<n { let d = ring[key, i] - mean; m2 += d * d }
        } else {
            var window = spans[Int(key)]
            window.append((time, value))
            let cutoff = time &- spanMs!
            var drop = 0
            while drop < window.count && window[drop].time <= cutoff { drop += 1 }
            if drop > 0 { window.removeFirst(drop) }
            n = window.count
            for e in window { sum += e.value }
            mean = sum / Double(n)
            for e in window { let d = e.value - mean; m2 += d * d }
            spans[Int(key)] = window
        }
        writeDouble(means, r, mean)
        writeDouble(stds, r, n > 1 ? (m2 / Double(n - 1)).squareRoot() : nil)
    }

    func reset(key: Int32) {
        if last != nil { count.reset(key) } else { spans[Int(key)] = [] }
    }

    func remap(_ mapping: [Int32], keys n: Int) {
        if last != nil {
            ring.remap(mapping, keys: n); count.remap(mapping, keys: n)
        } else {
            var fresh = Array(repeating: [(time: Int64, value: Double)](), count: n)
            for (old, new) in mapping.enumerated() where new >= 0 && old < spans.count { fresh[Int(new)] = spans[old] }
            spans = fresh
        }
    }

    var stateBytes: Int { ring.bytes + count.bytes + spans.reduce(0) { $0 + 24 + $1.count * 16 } }

    func saveState(to w: inout StateWriter) {
        ring.save(to: &w)
        count.save(to: &w)
        w.write(spans.count)
        for span in spans {
            w.write(span.map(\.time))
            w.write(span.map(\.value))
        }
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try ring.restore(from: &r)
        try count.restore(from: &r)
        let n = try r.readInt()
        guard n >= 0, n <= 1 << 31 else { throw .corrupt("rolling spans of \(n) keys") }
        var spans: [[(time: Int64, value: Double)]] = []
        for _ in 0..<n {
            let times: [Int64] = try r.readArray(), values: [Double] = try r.readArray()
            guard times.count == values.count else { throw .corrupt("rolling span with \(times.count) times and \(values.count) values") }
            spans.append(Array(zip(times, values).map { (time: $0.0, value: $0.1) }))
        }
        self.spans = spans
    }
    var explanation: String { last.map { "rolling mean/std over the last \($0) values" } ?? "rolling mean/std over \(TimeSpan(milliseconds: spanMs!))" }
}
