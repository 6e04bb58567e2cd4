import Sluice

/// Web request latency per service and region, per minute: the kind of
/// pipeline an edge proxy log feeds. Shows deduplication, type coercion of a
/// field that arrives as text, a keep-condition, log scaling, several
/// grouping keys and spread statistics.
///
/// Try it: `sluice run request-latency --input pipelines/data/requests.csv --output latency.csv`
public let requestLatency = Pipeline(
    "request-latency",
    summary: "Per-minute latency statistics per service and region, from request logs",
    schema: Schema {
        Field("request_id", .string)
        Field("ts", .int64)
        Field("service", .string)
        Field("region", .string)
        Field("status", .int64)
        Field("latency_ms", .string)
    }
) {
    Clean {
        Require("request_id", "service", "region", "latency_ms")
        Dedupe(on: "request_id", capacity: 100_000)
        Coerce("latency_ms", to: .float64)
        InRange("latency_ms", 0...60_000)
        Keep(where: Col("status") < 500)
    }
    Normalize {
        Log("latency_ms", offset: 1, as: "log_latency")
    }
    Window(.tumbling(.minutes(1)), by: "service", "region", time: "ts") {
        Count(as: "requests")
        Mean("latency_ms")
        StdDev("latency_ms")
        Max("latency_ms")
        Mean("log_latency")
    }
}
