import Foundation
import Testing
@testable import Sluice

/// Window steps in specs: every kind, the event-time options, and the new aggregates.
@Suite struct WindowSpecCodingTests {
    func decode(_ json: String) throws -> WindowSpec {
        guard case .window(let w) = try JSONDecoder().decode(Step.self, from: Data(json.utf8)) else { throw CancellationError() }
        return w
    }

    func encode(_ w: WindowSpec) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Step.window(w)), as: UTF8.self)
    }

    @Test func everyKindRoundTrips() throws {
        let kinds: [WindowKind] = [.tumbling(.seconds(10)), .sliding(size: .minutes(1), every: .seconds(1)), .session(gap: .seconds(30)), .count(100)]
        for kind in kinds {
            let w = WindowSpec(kind: kind, by: ["k"], time: "ts", aggregates: [Count(), Quantile("x", 0.99), DistinctCount("u"), First("x"), Last("x")],
                               maxOutOfOrderness: .seconds(5), allowedLateness: .minutes(1), emit: .updates)
            #expect(try decode(encode(w)) == w)
        }
    }

    @Test func writesTheReadableForm() throws {
        let w = WindowSpec(kind: .sliding(size: .minutes(1), every: .seconds(10)), by: ["sensor_id"], time: "ts",
                           aggregates: [Mean("temp"), Quantile("temp", 0.99)], maxOutOfOrderness: .seconds(5))
        #expect(try encode(w) == #"{"window":{"aggregates":[{"as":"mean_temp","field":"temp","fn":"mean"},{"as":"p99_temp","field":"temp","fn":"quantile","q":0.99}],"by":["sensor_id"],"max_out_of_orderness":"5s","sliding":{"every":"10s","size":"1m"},"time":"ts"}}"#)
    }

    @Test func readsTheShortForms() throws {
        let w = try decode(#"{"window": {"session": "30s", "by": "user", "clock": "processing", "emit": "updates", "aggregates": [{"fn": "count"}]}}"#)
        #expect(w.kind == .session(gap: .seconds(30)))
        #expect(w.clock == .processing)
        #expect(w.emit == .updates)
        #expect(w.emitsTiming)
    }

    @Test func clearErrors() throws {
        #expect(throws: DecodingError.self) { try decode(#"{"window": {"by": "k", "time": "t", "aggregates": []}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"window": {"tumbling": "1s", "count": 5, "by": "k", "time": "t", "aggregates": []}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"window": {"tumbling": "1s", "by": "k", "aggregates": []}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"window": {"tumbling": "1s", "by": "k", "time": "t", "aggregates": [{"fn": "quantile", "field": "x"}]}}"#) }
    }

    @Test func quantileNames() {
        #expect(Quantile("x", 0.5).name == "p50_x")
        #expect(Quantile("x", 0.999).name == "p99_9_x")
    }

    @Test func planErrorsForImpossibleWindows() {
        let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64)])
        func compile(_ w: WindowSpec) throws(PlanError) {
            _ = try PlanCompiler.compile(PipelineSpec(name: "p", schema: schema, steps: [.window(w)]), deadLetters: DeadLetters(sink: nil))
        }
        #expect(throws: PlanError.self) { try compile(WindowSpec(kind: .sliding(size: .seconds(1), every: .seconds(2)), by: ["k"], time: "t", aggregates: [Count()])) }
        #expect(throws: PlanError.self) { try compile(WindowSpec(kind: .count(0), by: ["k"], time: "t", aggregates: [Count()])) }
        #expect(throws: PlanError.self) { try compile(WindowSpec(kind: .count(5), by: ["k"], time: "t", aggregates: [Count()], allowedLateness: .seconds(1))) }
        #expect(throws: PlanError.self) { try compile(WindowSpec(kind: .session(gap: .seconds(0)), by: ["k"], time: "t", aggregates: [Count()])) }
        #expect(throws: PlanError.self) { try compile(WindowSpec(kind: .tumbling(.seconds(1)), by: ["k"], time: "t", aggregates: [])) }
    }
}
