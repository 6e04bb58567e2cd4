#if canImport(Glibc)
import Glibc
#endif

/// Calendar parts of an epoch-millisecond field (UTC).
final class TimePartsKernel: FeatureKernel {
    let input: Int
    let parts: [(TimePart, Int)]

    init(input: Int, parts: [(TimePart, Int)]) {
        self.input = input
        self.parts = parts
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { let q = a / b; return (a % b != 0 && a < 0) ? q - 1 : q }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let c = batch.columns[input]
        guard c.validity[r] != 0 else {
            for (_, slot) in parts { batch.columns[slot].validity[r] = 0 }
            return
        }
        let t = c.type == .float64 ? Int64(c.float64[r].rounded(.down)) : c.int64[r]
        let day = Self.floorDiv(t, 86_400_000)
        let msOfDay = t - day * 86_400_000
        let minute = msOfDay / 60_000
        let hour = minute / 60
        let dow = ((day + 3) % 7 + 7) % 7  // 1970-01-01 was a Thursday; Monday = 0
        for (part, slot) in parts {
            let out = batch.columns[slot]
            out.validity[r] = 1
            switch part {
            case .hour: out.int64[r] = hour
            case .minuteOfDay: out.int64[r] = minute
            case .dayOfWeek: out.int64[r] = dow
            case .hourSin: out.float64[r] = sin(2 * .pi * Double(minute) / 1440)
            case .hourCos: out.float64[r] = cos(2 * .pi * Double(minute) / 1440)
            case .dayOfWeekSin: out.float64[r] = sin(2 * .pi * Double(dow) / 7)
            case .dayOfWeekCos: out.float64[r] = cos(2 * .pi * Double(dow) / 7)
            }
        }
    }

    var explanation: String { "time parts \(parts.map(\.0.rawValue).joined(separator: ", ")) (UTC)" }
}

/// Feature hashing: a stable 64-bit hash of the value (string bytes or number) modulo `buckets`.
final class HashBucketKernel: FeatureKernel {
    let input: Int, output: Int
    let buckets: Int

    init(input: Int, output: Int, buckets: Int) {
        self.input = input
        self.output = output
        self.buckets = buckets
    }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let c = batch.columns[input], out = batch.columns[output]
        guard c.validity[r] != 0 else { out.validity[r] = 0; return }
        let h: UInt64
        switch c.type {
        case .string:
            let s = c.strings[r]
            h = DistinctCountSketch.hash(bytes: batch.arena.base + Int(s.offset), count: Int(s.length))
        case .float64: h = DistinctCountSketch.hash(c.float64[r])
        case .int64: h = DistinctCountSketch.hash(c.int64[r])
        case .bool: h = DistinctCountSketch.hash(Int64(c.bools[r]))
        }
        out.int64[r] = Int64(h % UInt64(buckets))
        out.validity[r] = 1
    }

    var explanation: String { "hash into \(buckets) buckets" }
}

/// One 0/1 column per declared value; a value outside the list (or null) gives all zeros and is counted.
final class OneHotKernel: FeatureKernel {
    let input: Int
    let values: [[UInt8]]
    let outputs: [Int]
    private(set) var unknown = 0

    init(input: Int, values: [String], outputs: [Int]) {
        self.input = input
        self.values = values.map { Array($0.utf8) }
        self.outputs = outputs
    }

    func process(_ batch: Batch, row r: Int, key: Int32, time: Int64) {
        let c = batch.columns[input]
        var match = -1
        if c.validity[r] != 0 {
            let s = c.strings[r]
            let p = batch.arena.base + Int(s.offset)
            for (i, v) in values.enumerated() where v.count == Int(s.length) && (v.isEmpty || v.withUnsafeBufferPointer({ memcmpEqual($0.baseAddress!, p, v.count) })) {
                match = i
                break
            }
        }
        if match < 0 { unknown += 1 }
        for (i, slot) in outputs.enumerated() {
            batch.columns[slot].int64[r] = i == match ? 1 : 0
            batch.columns[slot].validity[r] = 1
        }
    }

    var explanation: String { "one-hot over \(values.count) values (others: all zeros, counted)" }
}
