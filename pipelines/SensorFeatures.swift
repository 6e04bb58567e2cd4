import Sluice

/// The canonical workload (`WORKLOAD.md`): clean sensor readings, normalize
/// them, derive one feature, and aggregate per sensor over 10-second
/// event-time windows.
///
/// `hum_n` is `minmax(humidity, 0...100)`, i.e. `(humidity - 0) / 100`, which
/// is exactly the workload's `humidity / 100.0` in IEEE arithmetic.
public let sensorFeatures = Pipeline(
    "sensor-features",
    summary: "Clean, normalize and window sensor readings (the canonical benchmark workload)",
    schema: Schema {
        Field("sensor_id", .string)
        Field("ts", .int64)
        Field("temp", .float64)
        Field("humidity", .float64)
        Field("status", .string)
    }
) {
    Clean {
        Require("temp", "humidity")
        InRange("temp", -50...150)
        InRange("humidity", 0...100)
        Drop(where: Col("status") == "err")
    }
    Normalize {
        ZScore("temp", mean: 20, std: 10, as: "temp_z")
        MinMax("humidity", 0...100, as: "hum_n")
    }
    Derive("feat", Col("temp_z") * Col("hum_n"))
    Window(.tumbling(.seconds(10)), by: "sensor_id", time: "ts") {
        Count()
        Mean("temp_z")
        Min("temp_z")
        Max("temp_z")
        Sum("feat")
    }
}
