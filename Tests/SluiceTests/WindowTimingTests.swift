import Testing
@testable import Sluice

/// Event-time behaviour of every window kind, as timing diagrams (see ``WindowScript``):
/// `key@time:value`, `|` between micro-batches; one expected list per batch, the last one is
/// what end of input flushes.
@Suite struct WindowTimingTests {
    @Test func tumblingWindowsFireWhenTheWatermarkPassesTheirEnd() throws {
        let r = try WindowScript(.tumbling(.milliseconds(10))).run("a@1:1 a@4:2 | a@12:5")
        #expect(r.batches == [[], ["a@0 cnt=2 sum=3"], ["a@10 cnt=1 sum=5"]])
    }

    @Test func slidingWindowsShareTheirPanes() throws {
        let r = try WindowScript(.sliding(size: .milliseconds(10), every: .milliseconds(5))).run("a@1:1 a@7:2 | a@16:4")
        #expect(r.batches == [
            ["a@-5 cnt=1 sum=1"],
            ["a@0 cnt=2 sum=3", "a@5 cnt=1 sum=2"],
            ["a@10 cnt=1 sum=4", "a@15 cnt=1 sum=4"],
        ])
    }

    @Test func theOutOfOrdernessBoundHoldsWindowsOpen() throws {
        let script = "a@1 a@12 | a@8 | a@20"
        let strict = try WindowScript(.tumbling(.milliseconds(10))).run(script)
        #expect(strict.late == ["a@8"])
        #expect(strict.lateDetails == ["window [0, 10) closed at watermark 12, 4 ms behind; allowed lateness 0ms"])

        let bounded = try WindowScript(.tumbling(.milliseconds(10))) { $0.maxOutOfOrderness = .milliseconds(5) }.run(script)
        #expect(bounded.late.isEmpty)
        #expect(bounded.batches == [[], [], ["a@0 cnt=2 sum=2"], ["a@10 cnt=1 sum=1", "a@20 cnt=1 sum=1"]])
    }

    @Test func lateRecordsWithinTheAllowedLatenessCorrectTheirWindow() throws {
        let r = try WindowScript(.tumbling(.milliseconds(10))) { $0.allowedLateness = .milliseconds(20) }
            .run("a@1:1 a@25:2 | a@5:3 | a@31:4 | a@7:5")
        #expect(r.batches == [
            ["a@0 on_time cnt=1 sum=1"],
            ["a@0 late cnt=2 sum=4"],
            ["a@20 on_time cnt=1 sum=2"],
            [],
            ["a@30 on_time cnt=1 sum=4"],
        ])
        #expect(r.late == ["a@7"])
        #expect(r.lateDetails == ["window [0, 10) closed at watermark 31, 24 ms behind; allowed lateness 20ms"])
    }

    @Test func updatesModeEmitsEarlyResultsEveryBatch() throws {
        let r = try WindowScript(.tumbling(.milliseconds(10))) { $0.emit = .updates }.run("a@1:1 | a@4:2 | a@12:5")
        #expect(r.batches == [
            ["a@0 early cnt=1 sum=1"],
            ["a@0 early cnt=2 sum=3"],
            ["a@0 on_time cnt=2 sum=3", "a@10 early cnt=1 sum=5"],
            ["a@10 on_time cnt=1 sum=5"],
        ])
    }

    @Test func sessionsCloseAfterTheGapAndLateSessionsAreRejected() throws {
        let r = try WindowScript(.session(gap: .milliseconds(10))).run("a@1 a@5 b@3 | a@30 | a@14")
        #expect(r.batches == [[], ["a@1-15 cnt=2 sum=2", "b@3-13 cnt=1 sum=1"], [], ["a@30-40 cnt=1 sum=1"]])
        #expect(r.late == ["a@14"])
    }

    @Test func aRecordThatBridgesTwoSessionsMergesThem() throws {
        let r = try WindowScript(.session(gap: .milliseconds(10)), [Count(), Sum("x", as: "sum"), First("x"), Last("x")]) {
            $0.maxOutOfOrderness = .milliseconds(20)
        }.run("a@1:1 a@18:2 | a@9:3")
        #expect(r.rows == ["a@1-28 cnt=3 sum=6 first_x=1 last_x=2"])
    }

    @Test func sessionsReemitWhenALateRecordExtendsThem() throws {
        let r = try WindowScript(.session(gap: .milliseconds(10))) { $0.allowedLateness = .milliseconds(30) }
            .run("a@1:1 | a@40:2 | a@5:3")
        #expect(r.batches == [[], ["a@1-11 on_time cnt=1 sum=1"], ["a@1-15 late cnt=2 sum=4"], ["a@40-50 on_time cnt=1 sum=2"]])
    }

    @Test func countWindowsTakeRecordsInEventTimeOrder() throws {
        let r = try WindowScript(.count(2)) { $0.maxOutOfOrderness = .milliseconds(1) }
            .run("a@1:1 b@2:1 a@3:2 | a@4:3 a@6:4 b@5:2 | a@7:5")
        #expect(r.batches == [[], ["a@1-3 cnt=2 sum=3", "b@2-5 cnt=2 sum=3"], ["a@4-6 cnt=2 sum=7"], ["a@7-7 cnt=1 sum=5"]])
    }

    @Test func countWindowsRejectRecordsBehindTheWatermark() throws {
        let r = try WindowScript(.count(2)).run("a@5 a@3 a@6")
        #expect(r.late == ["a@3"])
        #expect(r.rows == ["a@5-6 cnt=2 sum=2"])
    }

    @Test func processingTimeReadsTheClockNotTheRecord() throws {
        final class Clock: @unchecked Sendable {  // Safe: used from one test thread.
            var times: [Int64] = [100, 115]
            func next() -> Int64 { times.count > 1 ? times.removeFirst() : times[0] }
        }
        let clock = Clock()
        var script = WindowScript(.tumbling(.milliseconds(10))) { $0.clock = .processing; $0.time = "" }
        script.clock = { clock.next() }
        let r = try script.run("a@0 a@999 | a@0")
        #expect(r.batches == [[], ["a@100 cnt=2 sum=2"], ["a@110 cnt=1 sum=1"]])
    }

    @Test func varianceOfMergedPanesMatchesTheWholeWindow() throws {
        let r = try WindowScript(.sliding(size: .milliseconds(10), every: .milliseconds(2)), [Count(), Variance("x")])
            .run("a@0:1 a@3:2 a@5:4 a@9:8")
        let row = try #require(r.rows.first { $0.hasPrefix("a@0 ") })
        // Sample variance of 1, 2, 4, 8 = 9.583333...
        #expect(row.hasPrefix("a@0 cnt=4 var_x=9.58333333333333"))
    }

    @Test func sketchAggregatesMergeAcrossPanes() throws {
        let r = try WindowScript(.sliding(size: .milliseconds(30), every: .milliseconds(10)),
                                 [Count(), Quantile("x", 0.5, as: "median"), DistinctCount("x", as: "distinct")])
            .run("a@1:5 a@2:1 a@3:9 a@12:7 a@14:7 a@25:3")
        // [0,30): 5 1 9 7 7 3 -> median 5, 5 distinct; [10,40): 7 7 3 -> median 7, 2 distinct.
        #expect(r.rows.contains("a@0 cnt=6 median=5 distinct=5"))
        #expect(r.rows.contains("a@10 cnt=3 median=7 distinct=2"))
    }

    @Test func distinctCountsStringsInSessions() throws {
        let schema = Schema([Field("user", .string), Field("t", .int64), Field("page", .string)])
        let spec = PipelineSpec(name: "s", schema: schema, steps: [
            .window(WindowSpec(kind: .session(gap: .milliseconds(10)), by: ["user"], time: "t", aggregates: [Count(), DistinctCount("page")])),
        ])
        let rows: [[String: Value]] = [
            ["user": "u", "t": 1, "page": "/a"], ["user": "u", "t": 3, "page": "/b"], ["user": "u", "t": 5, "page": "/a"],
            ["user": "u", "t": 50, "page": "/c"],
        ]
        let (out, _, _) = try Pipeline(spec: spec).run(rows, batchSize: 2, resources: PlanResources())
        #expect(out.map { $0["distinct_page"] } == [.int(2), .int(1)])
        #expect(throws: PlanError.self) {
            _ = try PlanCompiler.compile(PipelineSpec(name: "s", schema: schema, steps: [
                .window(WindowSpec(kind: .session(gap: .milliseconds(10)), by: ["user"], time: "t", aggregates: [Quantile("page", 0.5)])),
            ]), deadLetters: DeadLetters(sink: nil))
        }
    }
}
