import Foundation
import Testing
@testable import Sluice

/// Streaming features against brute force on random streams, across micro-batch sizes.
@Suite struct FeatureOperatorTests {
    static let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64), Field("s", .string)])

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func rows(seed: UInt64, count: Int) -> [[String: Value]] {
        var rng = Random(state: seed)
        var t: Int64 = 1_700_000_000_000
        return (0..<count).map { _ in
            t += Int64(rng.int(2000))
            var row: [String: Value] = ["k": .string("k\(rng.int(5))"), "t": .int(t), "s": .string(["ok", "err", "warn"][rng.int(3)])]
            if rng.int(10) > 0 { row["x"] = .double(Double(rng.int(2001)) / 10 - 100) }
            return row
        }
    }

    func run(_ features: [Feature], ttl: TimeSpan? = nil, rows: [[String: Value]], batchSize: Int) throws -> [[String: Value]] {
        let spec = PipelineSpec(name: "f", schema: Self.schema, steps: [.features(FeatureSpec(by: ["k"], time: "t", ttl: ttl, features: features))])
        return try Pipeline(spec: spec).run(rows, batchSize: batchSize, resources: PlanResources()).output
    }

    static func double(_ v: Value?) -> Double? { if case .double(let d) = v { return d } else { return nil } }

    func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return abs(a - b) <= 1e-9 * max(1, abs(b))
        default: return false
        }
    }

    @Test(arguments: [1, 7, 64, 4096])
    func matchesBruteForce(batchSize: Int) throws {
        let rows = Self.rows(seed: 11, count: 600)
        let out = try run([Lag("x", 1, 3), Rolling("x", last: 4), Rolling("x", span: .seconds(5)), EWMA("x", alpha: 0.3),
                           RunningZScore("x", warmUp: 3), RunningMinMax("x", warmUp: 2)], rows: rows, batchSize: batchSize)
        #expect(out.count == rows.count)
        var history: [String: [(t: Int64, x: Double?)]] = [:]
        for (row, o) in zip(rows, out) {
            guard case .string(let k) = row["k"], case .int(let t) = row["t"] else { Issue.record("bad row"); return }
            let x = Self.double(row["x"])
            let before = history[k, default: []]
            // Lags: the value n records earlier (nulls included as nulls).
            #expect(close(Self.double(o["x_lag1"]), before.count >= 1 ? before[before.count - 1].x : nil))
            #expect(close(Self.double(o["x_lag3"]), before.count >= 3 ? before[before.count - 3].x : nil))
            let withCurrent = before + [(t, x)]
            if let x {
                let values = withCurrent.compactMap(\.x)
                let last4 = Array(values.suffix(4))
                let mean4 = last4.reduce(0, +) / Double(last4.count)
                #expect(close(Self.double(o["x_last4_mean"]), mean4))
                let std4 = last4.count > 1 ? (last4.map { ($0 - mean4) * ($0 - mean4) }.reduce(0, +) / Double(last4.count - 1)).squareRoot() : nil
                #expect(close(Self.double(o["x_last4_std"]), std4))
                let span = withCurrent.filter { $0.x != nil && $0.t > t - 5000 }.map { $0.x! }
                #expect(close(Self.double(o["x_5s_mean"]), span.reduce(0, +) / Double(span.count)))
                var ewma: Double?
                for v in values { ewma = ewma.map { 0.3 * v + 0.7 * $0 } ?? v }
                #expect(close(Self.double(o["x_ewma"]), ewma))
                let prior = before.compactMap(\.x)
                let mean = prior.isEmpty ? 0 : prior.reduce(0, +) / Double(prior.count)
                let std = prior.count > 1 ? (prior.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(prior.count - 1)).squareRoot() : 0
                #expect(close(Self.double(o["x_rz"]), prior.count >= 3 && std > 0 ? (x - mean) / std : nil))
                let lo = prior.min(), hi = prior.max()
                #expect(close(Self.double(o["x_rmm"]), prior.count >= 2 && hi! > lo! ? (x - lo!) / (hi! - lo!) : nil))
            } else {
                #expect(o["x_ewma"] == nil || o["x_ewma"] == .null)
            }
            history[k] = withCurrent
        }
    }

    @Test func aKeyIdleLongerThanTheTTLStartsOver() throws {
        let rows: [[String: Value]] = [
            ["k": "a", "t": 0, "x": 1.0], ["k": "a", "t": 1000, "x": 2.0],
            ["k": "b", "t": 50_000, "x": 9.0],  // pushes time far ahead: "a" is evicted
            ["k": "a", "t": 60_000, "x": 5.0],
        ]
        let out = try run([Lag("x", 1), EWMA("x", alpha: 0.5)], ttl: .seconds(10), rows: rows, batchSize: 1)
        #expect(Self.double(out[1]["x_lag1"]) == 1)
        #expect(Self.double(out[3]["x_lag1"]) == nil)  // fresh state
        #expect(Self.double(out[3]["x_ewma"]) == 5)
    }

    @Test func stateIsCompactedToLiveKeys() throws {
        var rows: [[String: Value]] = []
        for i in 0..<3000 { rows.append(["k": .string("key\(i / 3)"), "t": .int(Int64(i) * 100), "x": .double(Double(i))]) }
        let spec = PipelineSpec(name: "f", schema: Self.schema, steps: [.features(FeatureSpec(by: ["k"], time: "t", ttl: .seconds(1), features: [Lag("x", 1)]))])
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: 50)
        let op = plan.stages[0].operators.compactMap { $0 as? FeatureOperator }.first!
        op.compactionThreshold = 32
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: NullSink(), deadLetters: letters).run()
        #expect(op.compactions > 10)
        #expect(op.keys!.idCount < 200)
        #expect(op.evictions > 900)
    }

    @Test func statelessFeatures() throws {
        // 2024-01-01 was a Monday; 13:45 UTC.
        let t: Int64 = 1_704_116_700_000
        let spec = PipelineSpec(name: "f", schema: Self.schema, steps: [.features(FeatureSpec(by: [], features: [
            TimeParts("t", .hour, .minuteOfDay, .dayOfWeek, .hourSin), HashBucket("s", buckets: 8), OneHot("s", values: ["ok", "err"]),
        ]))])
        let (out, _, _) = try Pipeline(spec: spec).run([["k": "a", "t": .int(t), "s": "err"], ["k": "a", "t": .int(t + 86_400_000 * 6), "s": "other"]],
                                                        resources: PlanResources())
        #expect(out[0]["t_hour"] == .int(13))
        #expect(out[0]["t_minute_of_day"] == .int(13 * 60 + 45))
        #expect(out[0]["t_day_of_week"] == .int(0))
        #expect(out[1]["t_day_of_week"] == .int(6))
        #expect(abs(Self.double(out[0]["t_hour_sin"])! - sin(2 * .pi * 825 / 1440)) < 1e-12)
        #expect(out[0]["s_ok"] == .int(0) && out[0]["s_err"] == .int(1))
        #expect(out[1]["s_ok"] == .int(0) && out[1]["s_err"] == .int(0))
        if case .int(let b) = out[0]["s_bucket"] { #expect((0..<8).contains(b)) } else { Issue.record("no bucket") }
    }

    @Test func specRoundTripAndPlanErrors() throws {
        let spec = FeatureSpec(by: ["k"], time: "t", ttl: .hours(1), features: [
            Lag("x", 1, 2), Rolling("x", last: 10), Rolling("x", span: .seconds(30), as: "r30"), EWMA("x", alpha: 0.1),
            RunningZScore("x", warmUp: 30), RunningMinMax("x"), TimeParts("t", .hour), HashBucket("s", buckets: 64), OneHot("s", values: ["ok"]),
        ])
        let data = try JSONEncoder().encode(Step.features(spec))
        #expect(try JSONDecoder().decode(Step.self, from: data) == .features(spec))
        func compile(_ f: FeatureSpec) throws(PlanError) {
            _ = try PlanCompiler.compile(PipelineSpec(name: "p", schema: Self.schema, steps: [.features(f)]), deadLetters: DeadLetters(sink: nil))
        }
        #expect(throws: PlanError.self) { try compile(FeatureSpec(by: [], features: [Lag("x")])) }
        #expect(throws: PlanError.self) { try compile(FeatureSpec(by: ["k"], features: [Rolling("x", span: .seconds(1))])) }
        #expect(throws: PlanError.self) { try compile(FeatureSpec(by: ["k"], features: [EWMA("x", alpha: 2)])) }
        #expect(throws: PlanError.self) { try compile(FeatureSpec(by: ["k"], features: [Lag("s")])) }
        #expect(throws: PlanError.self) { try compile(FeatureSpec(by: ["k"], ttl: .seconds(1), features: [Lag("x")])) }
    }
}

/// Drops output (tests that only look at operator state).
final class NullSink: RecordSink {
    private(set) var recordsWritten: Int64 = 0
    func open(schema: Schema) throws {}
    func write(_ batch: Batch, slots: [Int]) throws { recordsWritten += Int64(batch.selectedCount) }
    func flush() throws {}
    func close() throws {}
}
