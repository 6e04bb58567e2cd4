import Sluice
import SluicePipelines
import Testing

@Suite struct BuiltinPipelinesTests {
    @Test func everyBuiltinPipelineCompiles() throws {
        for p in builtinPipelines.pipelines {
            let plan = try PlanCompiler.compile(p.spec, deadLetters: DeadLetters(sink: nil))
            #expect(!plan.explain().isEmpty)
        }
    }

    @Test func sensorFeaturesOnHandMadeEvents() throws {
        let (rows, letters, summary) = try sensorFeatures.run([
            ["sensor_id": "s1", "ts": 1_700_000_000_000, "temp": 30.0, "humidity": 50.0, "status": "ok"],
            ["sensor_id": "s1", "ts": 1_700_000_000_001, "temp": 10.0, "humidity": 100.0, "status": "ok"],
            ["sensor_id": "s2", "ts": 1_700_000_000_002, "temp": 20.0, "humidity": 0.0, "status": "ok"],
            ["sensor_id": "s1", "ts": 1_700_000_010_000, "temp": 40.0, "humidity": 10.0, "status": "ok"],
            ["sensor_id": "s1", "ts": 1_700_000_010_001, "temp": 40.0, "humidity": 10.0, "status": "err"],
            ["sensor_id": "s1", "ts": 1_700_000_010_002, "humidity": 10.0, "status": "ok"],
        ])
        #expect(summary.recordsIn == 6)
        #expect(letters.total == 2)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ("\($0["sensor_id"]!)@\($0["window_start"]!)", $0) })
        let first = try #require(byKey["s1@1700000000000"])
        #expect(first["cnt"] == 2)
        #expect(first["mean_temp_z"] == 0.0)  // (1.0 + -1.0) / 2
        #expect(first["min_temp_z"] == -1.0)
        #expect(first["max_temp_z"] == 1.0)
        #expect(first["sum_feat"] == .double(1.0 * 0.5 + -1.0 * 1.0))
        #expect(byKey["s2@1700000000000"]?["sum_feat"] == 0.0)
        #expect(byKey["s1@1700000010000"]?["cnt"] == 1)
    }

    @Test func requestLatencyRejectsWhatItShould() throws {
        let (rows, letters, _) = try requestLatency.run([
            ["request_id": "r1", "ts": 0, "service": "a", "region": "eu", "status": 200, "latency_ms": "10"],
            ["request_id": "r1", "ts": 1, "service": "a", "region": "eu", "status": 200, "latency_ms": "10"],
            ["request_id": "r2", "ts": 2, "service": "a", "region": "eu", "status": 503, "latency_ms": "10"],
            ["request_id": "r3", "ts": 3, "service": "a", "region": "eu", "status": 200, "latency_ms": "n/a"],
            ["request_id": "r4", "ts": 4, "service": "a", "region": "eu", "status": 200, "latency_ms": "30"],
        ])
        #expect(letters.count(of: .duplicate) == 1)
        #expect(letters.count(of: .failedKeep) == 1)
        #expect(letters.count(of: .coercionFailed) == 1)
        #expect(rows.count == 1)
        #expect(rows[0]["requests"] == 2)
        #expect(rows[0]["mean_latency_ms"] == 20.0)
        #expect(rows[0]["std_latency_ms"] == .double((200.0).squareRoot()))
    }
}
