import Testing
@testable import Sluice

/// Cleaning rules through the whole plan: each rejected record reaches the
/// dead letters with the right reason, rule and value, and is counted.
@Suite struct CleanOperatorTests {
    let schema = Schema([Field("id", .string), Field("temp", .float64), Field("n", .int64), Field("status", .string), Field("raw", .string)])

    func run(_ rules: [CleanRule], _ rows: [[String: Value]]) throws -> (ids: [String], letters: DeadLetters, lines: [String]) {
        let captured = CapturedDeadLetters()
        let spec = PipelineSpec(name: "t", schema: schema, steps: [.clean(rules)])
        let plan = try PlanCompiler.compile(spec, deadLetters: captured.letters, batchSize: 3)
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: captured.letters).run()
        let ids = sink.rows.map { $0["id"]!.description }
        return (ids, captured.letters, captured.lines)
    }

    @Test func requireRejectsNulls() throws {
        let r = try run([.require(["temp", "status"])], [
            ["id": "a", "temp": 1.0, "status": "ok"],
            ["id": "b", "status": "ok"],
            ["id": "c", "temp": 2.0],
            ["id": "d", "temp": 3.0, "status": "ok"],
        ])
        #expect(r.ids == ["a", "d"])
        #expect(r.letters.count(of: .missingRequired) == 2)
        #expect(r.lines.count == 2)
        #expect(r.lines[0].contains("\"reason\":\"missing_required\""))
        #expect(r.lines[0].contains("\"field\":\"temp\""))
        #expect(r.lines[0].contains("\"record\":2"))
        #expect(r.lines[1].contains("\"field\":\"status\""))
    }

    @Test func inRangeIsInclusiveAndRejectsNullUnlessAllowed() throws {
        let rows: [[String: Value]] = [
            ["id": "lo", "temp": -50.0], ["id": "hi", "temp": 150.0], ["id": "under", "temp": -50.01],
            ["id": "over", "temp": 150.01], ["id": "null"],
        ]
        let strict = try run([.inRange(field: "temp", min: -50, max: 150)], rows)
        #expect(strict.ids == ["lo", "hi"])
        #expect(strict.letters.count(of: .outOfRange) == 3)
        #expect(strict.lines[0].contains("\"value\":\"-50.01\""))
        let lenient = try run([.inRange(field: "temp", min: -50, max: 150, allowNull: true)], rows)
        #expect(lenient.ids == ["lo", "hi", "null"])
    }

    @Test func intRangeChecks() throws {
        let r = try run([.inRange(field: "n", min: 0, max: 10)], [["id": "a", "n": 0], ["id": "b", "n": 11], ["id": "c", "n": 10]])
        #expect(r.ids == ["a", "c"])
    }

    @Test func dropAndKeep() throws {
        let rows: [[String: Value]] = [["id": "a", "status": "ok", "temp": 1.0], ["id": "b", "status": "err", "temp": 1.0], ["id": "c", "temp": 5.0]]
        let dropped = try run([.drop(Col("status") == "err")], rows)
        #expect(dropped.ids == ["a", "c"], "a null status is not 'err', so the record stays")
        #expect(dropped.letters.count(of: .droppedByRule) == 1)
        #expect(dropped.lines[0].contains("drop where status == \\\"err\\\""))
        let kept = try run([.keep(Col("status") == "ok")], rows)
        #expect(kept.ids == ["a"], "keep rejects false and null")
        #expect(kept.letters.count(of: .failedKeep) == 2)
    }

    @Test func coerceConvertsOrRejects() throws {
        let spec = PipelineSpec(name: "t", schema: schema, steps: [.clean([.coerce(field: "raw", to: .float64), .inRange(field: "raw", min: 0, max: 100)])])
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters)
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: RowSource([
            ["id": "a", "raw": "12.5"], ["id": "b", "raw": "twelve"], ["id": "c", "raw": " 7 "], ["id": "d"],
        ]), sink: sink, deadLetters: letters).run()
        // Only a passes: "twelve" fails coercion, " 7 " is trimmed only by decoders (coerce is strict), d is null and fails in_range.
        #expect(sink.rows.map { $0["raw"]! } == [12.5])
        #expect(letters.count(of: .coercionFailed) == 2)
        #expect(letters.count(of: .outOfRange) == 1)
        #expect(sink.schema["raw"]?.type == .float64)
    }

    @Test func dedupeRemembersTheLastKeys() throws {
        let rows: [[String: Value]] = ["a", "b", "a", "c", "d", "b", "a"].map { ["id": .string($0)] }
        let all = try run([.dedupe(on: ["id"], capacity: 100)], rows)
        #expect(all.ids == ["a", "b", "c", "d"])
        #expect(all.letters.count(of: .duplicate) == 3)
        // With room for two keys, "b" and "a" are forgotten by the time they come back.
        let small = try run([.dedupe(on: ["id"], capacity: 2)], rows)
        #expect(small.ids == ["a", "b", "c", "d", "b", "a"])
    }

    @Test func dedupeStaysCorrectThroughManyEvictions() throws {
        // Far more distinct keys than capacity: exercises tombstone compaction.
        let rows: [[String: Value]] = (0..<5000).map { ["id": .string("k\($0 % 1500)")] }
        let r = try run([.dedupe(on: ["id"], capacity: 1000)], rows)
        // Each key recurs 1500 keys later, after it was evicted: nothing is a duplicate.
        #expect(r.ids.count == 5000)
        let r2 = try run([.dedupe(on: ["id"], capacity: 1600)], rows)
        #expect(r2.ids.count == 1500)
    }
}
