@testable import SluiceWorkload

/// A plain, unoptimised implementation of the workload pipeline, used to produce correct
/// output rows for checking ``WorkloadChecksum`` against the generator's expectation.
/// Sums are naive (not fsum), as a real pipeline's would be.
enum ReferencePipeline {
    struct Group {
        var count = 0
        var sumTempZ = 0.0
        var minTempZ = Double.infinity
        var maxTempZ = -Double.infinity
        var sumFeat = 0.0
    }

    /// Output CSV with a header, rows in (window, sensor) order.
    static func outputCSV(events: WorkloadEventStream) -> String {
        var groups: [Int64: [Int: Group]] = [:]
        for event in events where event.isClean {
            let tempZ = (event.temperature! - 20.0) / 10.0
            let humN = event.humidity / 100.0
            let window = Workload.windowStart(of: event.timestamp)
            var group = groups[window, default: [:]][event.sensor, default: Group()]
            group.count += 1
            group.sumTempZ += tempZ
            group.minTempZ = Swift.min(group.minTempZ, tempZ)
            group.maxTempZ = Swift.max(group.maxTempZ, tempZ)
            group.sumFeat += tempZ * humN
            groups[window, default: [:]][event.sensor] = group
        }
        var lines = [Workload.outputHeader]
        for window in groups.keys.sorted() {
            for (sensor, g) in groups[window]!.sorted(by: { $0.key < $1.key }) {
                let id = WorkloadEvent(sensor: sensor, timestamp: 0, temperatureCenti: 0, humidityCenti: 0, isOK: true).sensorID
                lines.append("\(id),\(window),\(g.count),\(g.sumTempZ / Double(g.count)),\(g.minTempZ),\(g.maxTempZ),\(g.sumFeat)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
