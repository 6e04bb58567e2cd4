import Foundation
import Testing
@testable import Sluice

/// The enrich step in specs: the one-key `{enrich: {...}}` form, defaults, and round trips.
@Suite struct EnrichSpecCodingTests {
    func decode(_ json: String) throws -> Step {
        try JSONDecoder().decode(Step.self, from: Data(json.utf8))
    }

    func roundTrip(_ spec: PipelineSpec) throws -> PipelineSpec {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try JSONDecoder().decode(PipelineSpec.self, from: encoder.encode(spec))
    }

    @Test func fullStepRoundTrips() throws {
        let spec = PipelineSpec(name: "p", schema: Schema([Field("sensor_id", .string)]), steps: [
            .enrich(EnrichSpec(table: "data/sensors.csv", key: "sensor_id", tableKey: "id",
                               fields: [Field("site", .string), Field("elevation", .float64)],
                               onMiss: .reject, cache: .lru(capacity: 10_000, ttl: .minutes(5)), preload: true)),
            .enrich(EnrichSpec(table: "regions.ndjson", key: "site", fields: [Field("region", .string)])),
            .enrich(EnrichSpec(table: "t.csv", key: "sensor_id", fields: [Field("x", .int64)], cache: .lru(capacity: 3))),
        ])
        #expect(try roundTrip(spec) == spec)
    }

    @Test func writesTheReadableForm() throws {
        let step = Step.enrich(EnrichSpec(table: "sensors.csv", key: "sensor_id", fields: [Field("site", .string)],
                                          cache: .lru(capacity: 10_000, ttl: .minutes(5))))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(step), as: UTF8.self)
        #expect(text == #"{"enrich":{"cache":{"capacity":10000,"ttl":"5m"},"fields":[{"name":"site","type":"string"}],"key":"sensor_id","on_miss":"keep","table":"sensors.csv"}}"#)
    }

    @Test func defaultsWhenOmitted() throws {
        let step = try decode(#"{"enrich": {"table": "sensors.csv", "key": "sensor_id", "fields": [{"name": "site", "type": "string"}]}}"#)
        #expect(step == .enrich(EnrichSpec(table: "sensors.csv", key: "sensor_id", tableKey: nil, fields: [Field("site", .string)],
                                           onMiss: .keep, cache: .none, preload: false)))
    }

    @Test func cacheIsNoneOrCapacityWithAnOptionalTTL() throws {
        let base = #""table": "t.csv", "key": "k", "fields": [{"name": "v", "type": "int64"}]"#
        func cache(_ text: String) throws -> CachePolicy {
            guard case .enrich(let e) = try decode("{\"enrich\": {\(base), \"cache\": \(text)}}") else { throw PlanError("not enrich") }
            return e.cache
        }
        #expect(try cache(#""none""#) == CachePolicy.none)
        #expect(try cache(#"{"capacity": 500}"#) == .lru(capacity: 500, ttl: nil))
        #expect(try cache(#"{"capacity": 500, "ttl": "90s"}"#) == .lru(capacity: 500, ttl: .seconds(90)))
        #expect(try cache(#"{"capacity": 500, "ttl": 250}"#) == .lru(capacity: 500, ttl: .milliseconds(250)))
        #expect(throws: DecodingError.self) { try cache(#""lru""#) }
        #expect(throws: DecodingError.self) { try cache(#"{"ttl": "5m"}"#) }
    }

    @Test func rejectsAnUnknownMissPolicy() {
        #expect(throws: DecodingError.self) {
            try decode(#"{"enrich": {"table": "t.csv", "key": "k", "fields": [], "on_miss": "drop"}}"#)
        }
    }

    @Test func enrichIsAKnownStep() {
        do {
            _ = try decode(#"{"enrichh": {}}"#)
            Issue.record("decoded an unknown step")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("expected one of: clean, normalize, derive, select, window"))
            #expect(context.debugDescription.contains("enrich"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
