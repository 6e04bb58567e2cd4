import Testing
@testable import Sluice

/// Window aggregation against a brute-force reference.
@Suite struct PaneWindowOperatorTests {
    let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64), Field("g", .int64)])

    func pipeline(size: Int64, by: [String] = ["k"]) -> PipelineSpec {
        PipelineSpec(name: "w", schema: schema, steps: [
            .window(WindowSpec(kind: .tumbling(.milliseconds(size)), by: by, time: "t", aggregates: [
                Count(), Sum("x"), Mean("x"), Min("x"), Max("x"), Variance("x"), StdDev("x"),
            ])),
        ])
    }

    struct Expected {
        var count = 0
        var xs: [Double] = []
    }

    /// A deterministic generator (SplitMix64), so failures reproduce.
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
        mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func matchesBruteForceOnRandomStreams(seed: Int) throws {
        var rng = Random(state: UInt64(seed))
        let keys = 1 + rng.int(40)
        let size = Int64(1 + rng.int(50))
        var t: Int64 = Int64(rng.int(1000)) - 500
        var rows: [[String: Value]] = []
        var reference: [String: Expected] = [:]
        for _ in 0..<(200 + rng.int(3000)) {
            t += Int64(rng.int(4))  // non-decreasing: nothing is late
            let k = "key\(rng.int(keys))"
            let x: Value = rng.int(10) == 0 ? .null : .double((rng.double() - 0.5) * 200)
            rows.append(["k": .string(k), "t": .int(t), "x": x])
            let w = t >= 0 ? t / size : (t - size + 1) / size
            let id = "\(k)|\(w * size)"
            reference[id, default: Expected()].count += 1
            if case .double(let v) = x { reference[id]!.xs.append(v) }
        }
        let batchSize = 1 + rng.int(300)
        let (out, letters, summary) = try Pipeline(spec: pipeline(size: size)).run(rows, batchSize: batchSize)
        #expect(letters.total == 0)
        #expect(out.count == reference.count)
        #expect(summary.recordsIn == Int64(rows.count))
        var seen = Set<String>()
        for row in out {
            let id = "\(row["k"]!)|\(row["window_start"]!)"
            #expect(seen.insert(id).inserted, "duplicate window \(id)")
            guard let e = reference[id] else {
                Issue.record("unexpected window \(id)")
                continue
            }
            #expect(row["cnt"] == .int(Int64(e.count)))
            let xs = e.xs
            if xs.isEmpty {
                #expect(row["sum_x"] == .null && row["mean_x"] == .null && row["min_x"] == .null)
                continue
            }
            let sum = xs.reduce(0, +)
            let mean = sum / Double(xs.count)
            #expect(row["min_x"] == .double(xs.min()!))
            #expect(row["max_x"] == .double(xs.max()!))
            #expect(abs(row["sum_x"]!.doubleValue! - sum) <= 1e-9 * max(1, abs(sum)))
            #expect(abs(row["mean_x"]!.doubleValue! - mean) <= 1e-9 * max(1, abs(mean)))
            if xs.count > 1 {
                let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)
                #expect(abs(row["var_x"]!.doubleValue! - variance) <= 1e-7 * max(1, variance))
                #expect(abs(row["std_x"]!.doubleValue! - variance.squareRoot()) <= 1e-7 * max(1, variance.squareRoot()))
            } else {
                #expect(row["var_x"] == .null)
            }
        }
    }

    @Test func lateEventsGoToDeadLettersWithTheReason() throws {
        let captured = CapturedDeadLetters()
        let plan = try PlanCompiler.compile(pipeline(size: 10), deadLetters: captured.letters, batchSize: 2)
        let sink = RowSink()
        let rows: [[String: Value]] = [
            ["k": "a", "t": 1, "x": 1.0], ["k": "a", "t": 25, "x": 2.0],  // batch 1: watermark 25 closes [0,10) and [10,20)
            ["k": "a", "t": 5, "x": 3.0], ["k": "b", "t": 26, "x": 4.0],  // t=5 is late
        ]
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: captured.letters).run()
        #expect(captured.letters.count(of: .lateEvent) == 1)
        let line = try #require(captured.lines.first)
        #expect(line.contains("\"reason\":\"late_event\""))
        #expect(line.contains("window [0, 10) closed at watermark 25, 20 ms behind"))
        #expect(line.contains("\"record\":3"))
        #expect(sink.rows.count == 3)
    }

    @Test func nullKeysAndTimesAreRejected() throws {
        let (out, letters, _) = try Pipeline(spec: pipeline(size: 10)).run([
            ["k": "a", "t": 1, "x": 1.0], ["t": 2, "x": 1.0], ["k": "a", "x": 1.0],
        ])
        #expect(out.count == 1)
        #expect(letters.count(of: .missingKey) == 1)
        #expect(letters.count(of: .missingTime) == 1)
    }

    @Test func groupsBySeveralKeysOfDifferentTypes() throws {
        let (out, _, _) = try Pipeline(spec: pipeline(size: 100, by: ["k", "g"])).run([
            ["k": "a", "g": 1, "t": 1, "x": 1.0], ["k": "a", "g": 2, "t": 2, "x": 2.0],
            ["k": "a", "g": 1, "t": 3, "x": 3.0], ["k": "b", "g": 1, "t": 4, "x": 4.0],
        ])
        let summary = Set(out.map { "\($0["k"]!)/\($0["g"]!)=\($0["cnt"]!)/\($0["sum_x"]!)" })
        #expect(summary == ["a/1=2/4.0", "a/2=1/2.0", "b/1=1/4.0"])
    }

    @Test func manyKeysGrowTheState() throws {
        let rows: [[String: Value]] = (0..<5000).map { ["k": .string("k\($0)"), "t": .int(Int64($0 / 1000)), "x": 1.0] }
        let (out, _, summary) = try Pipeline(spec: pipeline(size: 1000)).run(rows, batchSize: 512)
        #expect(out.count == 5000)
        #expect(summary.windowsEmitted == 1)
    }

    @Test func stepsAfterTheWindowRunOnItsOutput() throws {
        var spec = pipeline(size: 10)
        spec.steps += [.clean([.keep(Col("cnt") >= 2)]), .derive(name: "range", expr: Col("max_x") - Col("min_x")), .select(["k", "window_start", "range"])]
        let (out, letters, _) = try Pipeline(spec: spec).run([
            ["k": "a", "t": 1, "x": 1.0], ["k": "a", "t": 2, "x": 5.0], ["k": "b", "t": 3, "x": 4.0],
        ])
        #expect(out == [["k": "a", "window_start": 0, "range": 4.0]])
        #expect(letters.count(of: .failedKeep) == 1)
    }
}
