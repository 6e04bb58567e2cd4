import Testing
@testable import Sluice

/// The enrich step with in-memory tables: matches, both miss policies, null
/// keys, dead-letter reasons, the cache's effect, TTL expiry, and plan errors.
@Suite struct EnrichOperatorTests {
    let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64)])
    let sites: [Value: [Value]] = [
        "s1": ["north", 120.5],
        "s2": ["south", 3],  // an int for a float64 field: stored as 3.0
        "s3": ["east", nil],
    ]
    let fields = [Field("site", .string), Field("elevation", .float64)]

    func spec(onMiss: EnrichSpec.MissPolicy = .keep, cache: CachePolicy = .lru(capacity: 100)) -> PipelineSpec {
        PipelineSpec(name: "t", schema: schema, steps: [
            .enrich(EnrichSpec(table: "sites", key: "sensor_id", fields: fields, onMiss: onMiss, cache: cache)),
        ])
    }

    func run(_ spec: PipelineSpec, _ rows: [[String: Value]], batchSize: Int = 3,
             resources: PlanResources? = nil) throws -> (rows: [[String: Value]], letters: CapturedDeadLetters, plan: PhysicalPlan) {
        let captured = CapturedDeadLetters()
        let plan = try PlanCompiler.compile(spec, deadLetters: captured.letters, batchSize: batchSize,
                                            resources: resources ?? .inMemory(["sites": sites]))
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: captured.letters).run()
        return (sink.rows, captured, plan)
    }

    let events: [[String: Value]] = [
        ["sensor_id": "s1", "ts": 1, "temp": 10.0],
        ["sensor_id": "s2", "ts": 2, "temp": 11.0],
        ["sensor_id": "s9", "ts": 3, "temp": 12.0],  // not in the table
        ["ts": 4, "temp": 13.0],  // null key
        ["sensor_id": "s3", "ts": 5, "temp": 14.0],
        ["sensor_id": "s1", "ts": 6, "temp": 15.0],
    ]

    @Test func addsTheTableColumnsToMatchingRows() throws {
        let r = try run(spec(), events)
        #expect(r.rows.count == 6)
        #expect(r.rows.map { $0["site"]! } == ["north", "south", nil, nil, "east", "north"])
        #expect(r.rows.map { $0["elevation"]! } == [120.5, 3.0, nil, nil, nil, 120.5])
        #expect(r.rows[0]["temp"] == 10.0, "the record's own fields are untouched")
        #expect(r.plan.outputSchema.names == ["sensor_id", "ts", "temp", "site", "elevation"])
    }

    @Test func keepPolicyKeepsUnmatchedRowsWithNullFields() throws {
        let r = try run(spec(onMiss: .keep), events)
        let unmatched = r.rows.filter { $0["site"] == .null }.map { $0["ts"]! }
        #expect(unmatched == [3, 4])
        #expect(r.letters.letters.total == 0)
        let stats = try #require(r.plan.enrichStatistics.first)
        #expect(stats.rows == 6)
        #expect(stats.matched == 4)
        #expect(stats.unmatched == 2)
        #expect(stats.nullKeys == 1)
    }

    @Test func rejectPolicySendsUnmatchedRowsToTheDeadLettersAsLookupMiss() throws {
        let r = try run(spec(onMiss: .reject), events)
        #expect(r.rows.map { $0["ts"]! } == [1, 2, 5, 6])
        #expect(r.letters.letters.count(of: .lookupMiss) == 2)
        let lines = r.letters.lines
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"reason\":\"lookup_miss\""))
        #expect(lines[0].contains("\"rule\":\"enrich(sensor_id) from sites\""))
        #expect(lines[0].contains("\"field\":\"sensor_id\""))
        #expect(lines[0].contains("\"value\":\"s9\""))
        #expect(lines[0].contains("\"detail\":\"key not in the table\""))
        #expect(lines[0].contains("\"record\":3"))
        #expect(lines[1].contains("\"value\":\"null\""))
        #expect(lines[1].contains("\"detail\":\"null key\""))
        #expect(lines[1].contains("\"record\":4"))
    }

    @Test func int64Keys() throws {
        let spec = PipelineSpec(name: "t", schema: Schema([Field("id", .int64)]), steps: [
            .enrich(EnrichSpec(table: "names", key: "id", fields: [Field("name", .string)], cache: .lru(capacity: 2))),
        ])
        let r = try run(spec, [["id": 1], ["id": 2], ["id": -7], ["id": 1], [:]],
                        resources: .inMemory(["names": [1: ["one"], 2: ["two"], -7: ["minus seven"]]]))
        #expect(r.rows.map { $0["name"]! } == ["one", "two", "minus seven", "one", nil])
    }

    @Test func theCacheAnswersRepeatedKeysAndRemembersKeysNotInTheTable() throws {
        let keys = ["s1", "s1", "s2", "s9", "s1", "s9", "s2", "s3"]
        let rows = keys.map { ["sensor_id": Value.string($0)] }
        let cached = try run(spec(cache: .lru(capacity: 10)), rows)
        let c = try #require(cached.plan.enrichStatistics.first)
        #expect(c.tableLookups == 4, "one per distinct key, s9 included")
        #expect(c.cache?.hits == 4)
        #expect(c.cache?.misses == 4)
        #expect(c.cache?.hitRate == 0.5)
        #expect(c.cachePolicy == "LRU 10 entries, no ttl")

        let uncached = try run(spec(cache: .none), rows)
        let u = try #require(uncached.plan.enrichStatistics.first)
        #expect(u.tableLookups == keys.count)
        #expect(u.cache == nil)
        #expect(uncached.rows == cached.rows, "the cache never changes results")
    }

    @Test func aSmallCacheEvictsAndStillGivesTheSameRows() throws {
        let rows = (0..<200).map { ["sensor_id": Value.string(["s1", "s2", "s3", "s9"][($0 * 7) % 4])] }
        let small = try run(spec(cache: .lru(capacity: 2)), rows, batchSize: 16)
        let none = try run(spec(cache: .none), rows, batchSize: 16)
        #expect(small.rows == none.rows)
        let s = try #require(small.plan.enrichStatistics.first)
        #expect((s.cache?.evictions ?? 0) > 0)
        #expect(s.tableLookups == s.cache?.misses)
    }

    /// The TTL clock is read once per batch: drive the operator batch by batch with a manual clock.
    @Test func entriesAreReloadedFromTheTableAfterTheirTTL() throws {
        let clock = ManualClock()
        let spec = spec(cache: .lru(capacity: 10, ttl: .minutes(5)))
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: 4, resources: .inMemory(["sites": sites], clock: clock))
        let op = try #require(plan.stages[0].operators.first)
        func enrich(_ keys: [Value]) throws -> [Value] {
            let batch = makeBatch(plan.stages[0].layout, keys.map { [$0, 0, 0.0, nil, nil] })
            try op.process(batch, letters)
            return values(batch, "site")
        }
        #expect(try enrich(["s1", "s2"]) == ["north", "south"])      // 00:00  both loaded
        clock.advance(by: .minutes(3))
        #expect(try enrich(["s1", "s2"]) == ["north", "south"])      // 03:00  both hits
        clock.advance(by: .minutes(2))
        #expect(try enrich(["s1"]) == ["north"])                     // 05:00  s1 expired: reloaded
        var stats = try #require(plan.enrichStatistics.first)
        #expect(stats.cache?.hits == 2)
        #expect(stats.cache?.expirations == 1)
        #expect(stats.tableLookups == 3)
        clock.advance(by: .minutes(4))
        #expect(try enrich(["s1", "s2"]) == ["north", "south"])      // 09:00  s1 (loaded 05:00) hits; s2 expired
        stats = try #require(plan.enrichStatistics.first)
        #expect(stats.cache?.hits == 3)
        #expect(stats.cache?.expirations == 2)
        #expect(stats.tableLookups == 4)
    }

    @Test func onlySelectedRowsAreLookedUp() throws {
        let spec = PipelineSpec(name: "t", schema: schema, steps: [
            .clean([.require(["temp"])]),
            .enrich(EnrichSpec(table: "sites", key: "sensor_id", fields: fields, onMiss: .reject, cache: .none)),
        ])
        let r = try run(spec, [["sensor_id": "s1", "temp": 1.0], ["sensor_id": "s9"], ["sensor_id": "s2", "temp": 2.0]])
        #expect(r.rows.map { $0["site"]! } == ["north", "south"])
        #expect(r.letters.letters.count(of: .missingRequired) == 1)
        #expect(r.letters.letters.count(of: .lookupMiss) == 0, "the rejected row never reached the enrich step")
        #expect(r.plan.enrichStatistics.first?.tableLookups == 2)
    }

    @Test func aWindowCanGroupByAnEnrichedField() throws {
        let spec = PipelineSpec(name: "t", schema: schema, steps: [
            .enrich(EnrichSpec(table: "sites", key: "sensor_id", fields: fields, onMiss: .reject)),
            .window(WindowSpec(kind: .tumbling(.seconds(10)), by: ["site"], time: "ts", aggregates: [Aggregate(.count, nil)])),
        ])
        let r = try run(spec, events)
        let counts = Dictionary(uniqueKeysWithValues: r.rows.map { ($0["site"]!, $0["cnt"]!) })
        #expect(counts == ["north": 2, "south": 1, "east": 1])
    }

    @Test func enrichAfterAWindowEnrichesItsOutputRows() throws {
        let spec = PipelineSpec(name: "t", schema: schema, steps: [
            .window(WindowSpec(kind: .tumbling(.seconds(10)), by: ["sensor_id"], time: "ts", aggregates: [Aggregate(.count, nil)])),
            .enrich(EnrichSpec(table: "sites", key: "sensor_id", fields: [Field("site", .string)])),
            .select(["site", "cnt"]),
        ])
        let r = try run(spec, events, resources: .inMemory(["sites": ["s1": ["north"], "s2": ["south"], "s3": ["east"]]]))
        let counts = Dictionary(uniqueKeysWithValues: r.rows.compactMap { row in row["site"] == .null ? nil : (row["site"]!, row["cnt"]!) })
        #expect(counts == ["north": 2, "south": 1, "east": 1])
        #expect(r.plan.stages.count == 2)
        #expect(r.plan.stages[1].operators.first is EnrichOperator)
    }

    @Test func explainShowsTheTableTheMissPolicyAndTheCache() throws {
        let plan = try PlanCompiler.compile(spec(onMiss: .reject, cache: .lru(capacity: 10_000, ttl: .minutes(5))),
                                            deadLetters: DeadLetters(sink: nil), resources: .inMemory(["sites": sites]))
        let text = plan.explain()
        #expect(text.contains("[enrich(site, elevation)]"))
        #expect(text.contains("1. enrich on sensor_id -> site: string, elevation: float64 from sites (3 keys in memory); on miss: reject (lookup_miss); cache: LRU 10000 entries, ttl 5m"))
    }

    @Test func aTableReturningTheWrongShapeStopsTheRun() throws {
        let bad = PlanResources.inMemory(["sites": ["s1": ["north"]]])  // one value for two fields
        #expect(throws: LookupTableError.self) { try run(spec(), [["sensor_id": "s1"]], resources: bad) }
        let wrongType = PlanResources.inMemory(["sites": ["s1": [1.5, 2.0]]])  // a double for a string field
        let error = #expect(throws: LookupTableError.self) { try run(spec(), [["sensor_id": "s1"]], resources: wrongType) }
        #expect(error?.message.contains("field 'site' of type string") == true)
    }

    @Test func planErrors() throws {
        func compileError(_ e: EnrichSpec, resources: PlanResources = .inMemory(["sites": [:]])) -> String {
            let spec = PipelineSpec(name: "t", schema: Schema([Field("sensor_id", .string), Field("temp", .float64)]), steps: [.enrich(e)])
            do {
                _ = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil), resources: resources)
                return "compiled"
            } catch {
                return error.message
            }
        }
        let site = [Field("site", .string)]
        #expect(compileError(EnrichSpec(table: "sites", key: "sensorid", fields: site)).contains("unknown field 'sensorid' in enrich key in step 1 (enrich) (did you mean 'sensor_id'?)"))
        #expect(compileError(EnrichSpec(table: "sites", key: "temp", fields: site)).contains("enrich key 'temp' must be string or int64, it is float64"))
        #expect(compileError(EnrichSpec(table: "sites", key: "sensor_id", fields: [])).contains("needs at least one field"))
        #expect(compileError(EnrichSpec(table: "sites", key: "sensor_id", fields: site + site)).contains("lists field 'site' twice"))
        #expect(compileError(EnrichSpec(table: "sites", key: "sensor_id", fields: [Field("sensor_id", .string)])).contains("cannot replace its key field"))
        #expect(compileError(EnrichSpec(table: "sites", key: "sensor_id", fields: site, cache: .lru(capacity: 0))).contains("capacity must be between 1"))
        #expect(compileError(EnrichSpec(table: "sites", key: "sensor_id", fields: site, cache: .lru(capacity: 5, ttl: .seconds(0)))).contains("ttl must be positive"))
        #expect(compileError(EnrichSpec(table: "other", key: "sensor_id", fields: site)).contains("no lookup table named 'other'"))
        let noProvider = compileError(EnrichSpec(table: "sites.csv", key: "sensor_id", fields: site), resources: PlanResources())
        #expect(noProvider.hasPrefix("no lookup table provider: the enrich step on 'sensor_id' needs table 'sites.csv'"))
        #expect(noProvider.hasSuffix("(step 1 (enrich))"))
    }

    @Test func theDSLBuildsTheSpecStep() throws {
        let pipeline = Pipeline("t", schema: schema) {
            Enrich(from: "sites", on: "sensor_id", fields: [Field("site", .string)], onMiss: .reject,
                   cache: .lru(capacity: 10_000, ttl: .minutes(5)))
        }
        #expect(pipeline.spec.steps == [.enrich(EnrichSpec(table: "sites", key: "sensor_id", fields: [Field("site", .string)],
                                                           onMiss: .reject, cache: .lru(capacity: 10_000, ttl: .minutes(5))))])
        let (rows, letters, summary) = try pipeline.run(events, resources: .inMemory(["sites": ["s1": ["north"]]]))
        #expect(rows.map { $0["site"]! } == ["north", "north"])
        #expect(letters.count(of: .lookupMiss) == 4)
        #expect(summary.enrichments?.first?.matched == 2)
        #expect(summary.render().contains("enrich sensor_id from sites: 6 rows, 2 matched, 4 unmatched (1 null key), rejected as lookup_miss"))
        #expect(summary.render().contains("cache LRU 10000 entries, ttl 5m: 1 hits, 4 misses, hit rate 20.0 %"))
    }

    @Test func statisticsOfSeveralPlanInstancesAddUp() {
        var a = EnrichStatistics(table: "t", key: "k", onMiss: .keep, cachePolicy: "LRU 2 entries, no ttl")
        a.rows = 10; a.matched = 8; a.unmatched = 2; a.tableLookups = 3
        a.cache = CacheStatistics()
        a.cache?.hits = 7; a.cache?.misses = 3
        var b = a
        b.rows = 5; b.matched = 5; b.unmatched = 0; b.cache?.hits = 4; b.cache?.misses = 1
        let total = EnrichStatistics.merged([[a], [b]])
        #expect(total.count == 1)
        #expect(total[0].rows == 15)
        #expect(total[0].matched == 13)
        #expect(total[0].cache?.hits == 11)
        #expect(total[0].cache?.misses == 4)
    }
}
