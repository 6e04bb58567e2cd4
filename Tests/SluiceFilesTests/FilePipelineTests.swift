import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// The canonical sensor pipeline, built with the DSL.
private let sensorPipeline = Pipeline("t", schema: Schema {
    Field("sensor_id", .string)
    Field("ts", .int64)
    Field("temp", .float64)
    Field("humidity", .float64)
    Field("status", .string)
}) {
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

/// A generated input: the CSV text, the clean records, and the dirty lines with the reason each must get.
private struct SensorInput {
    struct CleanRecord {
        var sensor: String
        var ts: Int64
        var temp: Double
        var humidity: Double
    }

    var text = "sensor_id,ts,temp,humidity,status\n"
    var dataLines = 0
    var clean: [CleanRecord] = []
    /// Physical line number → expected dead-letter reason.
    var dirty: [Int: String] = [:]

    init(lines: Int = 50) {
        let sensors = ["s01", "s02", "s03", "sensor-with-a-long-id-04"]
        let base: Int64 = 1_700_000_000_000
        for i in 0..<lines {
            let sensor = sensors[(i * 7 + i / 5) % sensors.count]
            let ts = base + Int64(i) * 1_500 + Int64(i % 3) * 7
            let temp = Double(1_500 + (i * 377) % 3_000) / 100 - 5
            let humidity = Double((i * 5_311) % 10_000) / 100
            let status = i % 4 == 0 ? "warn" : "ok"
            let line = 2 + i
            var fields = [sensor, "\(ts)", "\(temp)", "\(humidity)", status]
            switch i {
            case 5: fields[2] = ""; dirty[line] = "missing_required"
            case 12: fields[2] = "999"; dirty[line] = "out_of_range"
            case 19: fields[3] = "-5"; dirty[line] = "out_of_range"
            case 26: fields[4] = "err"; dirty[line] = "dropped_by_rule"
            case 33: fields = ["this line is broken"]; dirty[line] = "malformed_record"
            case 40: fields[3] = "abc"; dirty[line] = "invalid_value"
            case 44: fields[0] = "\"\(sensor)\""; fields[2] = " \(temp) "  // quoted key, padded number: still clean
            default: break
            }
            if dirty[line] == nil { clean.append(CleanRecord(sensor: sensor, ts: ts, temp: temp, humidity: humidity)) }
            text += fields.joined(separator: ",") + "\n"
            dataLines += 1
        }
    }

    struct WindowRow {
        var count = 0
        var tempZ: [Double] = []
        var featSum = 0.0
    }

    /// The window rows by brute force: (sensor, window start) → aggregates.
    var expectedWindows: [String: WindowRow] {
        var windows: [String: WindowRow] = [:]
        for r in clean {
            let tempZ = (r.temp - 20) / 10
            let humN = (r.humidity - 0) / 100
            let key = "\(r.sensor)|\(r.ts - r.ts % 10_000)"
            windows[key, default: WindowRow()].count += 1
            windows[key]!.tempZ.append(tempZ)
            windows[key]!.featSum += tempZ * humN
        }
        return windows
    }
}

private func approxEqual(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(a), abs(b)) }

@Suite struct FilePipelineTests {
    @Test(arguments: [1, 8, 4096], [64, 4096])
    func csvFileThroughTheCanonicalPipeline(batchSize: Int, bufferSize: Int) throws {
        let dir = try FileTestDirectory("pipeline")
        defer { dir.remove() }
        let input = SensorInput()
        let inPath = try dir.write("events.csv", input.text)
        let outPath = dir.file("features.csv")
        let deadPath = dir.file("dead.ndjson")

        let deadSink = try FileByteSink(path: deadPath)
        let deadLetters = DeadLetters(sink: deadSink)
        let plan = try PlanCompiler.compile(sensorPipeline.spec, deadLetters: deadLetters, batchSize: batchSize)
        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100
        let source = try FileSource(path: inPath, decoder: decoder, bufferSize: bufferSize)
        let sink = CSVEncoder(sink: try FileByteSink(path: outPath))
        let summary = try PipelineRunner(plan: plan, source: source, sink: sink, deadLetters: deadLetters).run()
        try deadSink.close()

        // Output: one row per (sensor, window), matching the brute-force reference.
        let expected = input.expectedWindows
        let lines = try dir.read("features.csv").split(separator: "\n").map(String.init)
        #expect(lines.first == "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat")
        #expect(lines.count - 1 == expected.count)
        var seen = Set<String>()
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7 else { Issue.record("bad output line \(line)"); continue }
            let key = "\(f[0])|\(f[1])"
            #expect(seen.insert(key).inserted, "window \(key) written twice")
            guard let want = expected[key] else { Issue.record("unexpected window \(key)"); continue }
            #expect(Int(f[2]) == want.count, "\(key) cnt")
            let mean = want.tempZ.reduce(0, +) / Double(want.tempZ.count)
            #expect(Double(f[3]).map { approxEqual($0, mean) } == true, "\(key) mean \(f[3]) vs \(mean)")
            #expect(Double(f[4]) == want.tempZ.min(), "\(key) min")
            #expect(Double(f[5]) == want.tempZ.max(), "\(key) max")
            #expect(Double(f[6]).map { approxEqual($0, want.featSum) } == true, "\(key) sum \(f[6]) vs \(want.featSum)")
        }
        #expect(seen == Set(expected.keys))

        // Dead letters: exactly one line per bad record, with its reason and line.
        let dead = try dir.read("dead.ndjson").split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(dead.count == input.dirty.count)
        var byLine: [Int: String] = [:]
        for letter in dead {
            let line = try #require(letter["record"] as? Int)
            #expect(byLine[line] == nil, "line \(line) dead-lettered twice")
            byLine[line] = letter["reason"] as? String
            #expect(letter["source"] as? String == inPath)
            let data = try #require(letter["data"] as? String)
            let physical = input.text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
            #expect(data == String(physical), "line \(line)")
            let offset = try #require(letter["offset"] as? Int)
            let lineStart = input.text.split(separator: "\n", omittingEmptySubsequences: false)[..<(line - 1)].reduce(0) { $0 + $1.utf8.count + 1 }
            #expect(offset == lineStart, "line \(line) offset")
        }
        #expect(byLine == input.dirty)
        let invalid = dead.first { $0["reason"] as? String == "invalid_value" }
        #expect(invalid?["value"] as? String == "abc")
        let range = dead.filter { $0["reason"] as? String == "out_of_range" }
        #expect(Set(range.compactMap { $0["field"] as? String }) == ["temp", "humidity"])

        // Summary.
        #expect(summary.pipeline == "t")
        #expect(summary.recordsIn == Int64(input.dataLines))
        #expect(summary.deadLettered == input.dirty.count)
        #expect(summary.recordsOut == Int64(expected.count))
        // Windows closed: time windows, each emitting one row per sensor seen in it.
        #expect(summary.windowsEmitted == Set(expected.keys.map { $0.split(separator: "|")[1] }).count)
        #expect(summary.bytesIn == Int64(input.text.utf8.count))
        var reasons: [String: Int] = [:]
        for r in summary.deadLetterReasons { reasons[r.reason, default: 0] += r.count }
        #expect(reasons == ["missing_required": 1, "out_of_range": 2, "dropped_by_rule": 1, "malformed_record": 1, "invalid_value": 1])
        #expect(dir.contents() == ["dead.ndjson", "events.csv", "features.csv"])
    }

    @Test func ndjsonOutputOfTheSamePipeline() throws {
        let dir = try FileTestDirectory("pipeline")
        defer { dir.remove() }
        let input = SensorInput(lines: 30)
        let inPath = try dir.write("events.csv", input.text)
        let deadLetters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(sensorPipeline.spec, deadLetters: deadLetters, batchSize: 4)
        let source = try FileSource(path: inPath, decoder: CSVDecoder(), bufferSize: 64)
        let sink = NDJSONEncoder(sink: try FileByteSink(path: dir.file("out.ndjson")))
        let summary = try PipelineRunner(plan: plan, source: source, sink: sink, deadLetters: deadLetters).run()
        let expected = input.expectedWindows
        let lines = try dir.read("out.ndjson").split(separator: "\n")
        #expect(lines.count == expected.count)
        var counts: [String: Int] = [:]
        for line in lines {
            let o = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let key = "\(o["sensor_id"] as? String ?? "?")|\(o["window_start"] as? Int ?? -1)"
            counts[key] = o["cnt"] as? Int
        }
        #expect(counts == expected.mapValues(\.count))
        #expect(summary.recordsIn == Int64(input.dataLines))
        #expect(summary.deadLettered == input.dirty.filter { $0.key <= 31 }.count)
    }
}
