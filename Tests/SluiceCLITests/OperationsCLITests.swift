import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Operating a run: metrics scraped while it runs, JSON logs (every line an object), periodic
/// summaries off a terminal, health turning to 503 while it stops, exit 0 after SIGTERM.
@Suite(.serialized) struct OperationsCLITests {
    func get(_ url: String) -> (status: Int, body: String) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result = (0, "")
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        return result
    }

    /// The value of a metric line (`name{labels} value`) in a scrape.
    func value(_ scrape: String, _ prefix: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func aRunServesMetricsAndLogsJSONLines() throws {
        let dir = try TempDir()
        #expect(try CLI.run(["gen", "--events", "200000", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["run", "sensor-features", "-i", dir.path("events_200000.csv"), "-o", dir.path("out.csv"), "--metrics-port", "0",
                       "--log-format", "json", "--summary-interval", "1", "--source-delay-ms", "25", "--batch-size", "1024", "--shards", "2"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("run.log")).createdEmpty())
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var port: Int?
        for _ in 0..<100 where port == nil {
            usleep(100_000)
            let log = (try? dir.read("run.log")) ?? ""
            if let r = log.range(of: "\"port\":") { port = Int(log[r.upperBound...].prefix { $0.isNumber }) }
        }
        let base = "http://127.0.0.1:\(try #require(port, "no port in: \((try? dir.read("run.log")) ?? "")"))"
        sleep(3)
        let scrape = get(base + "/metrics")
        #expect(scrape.status == 200)
        #expect((value(scrape.body, #"sluice_records_in_total{pipeline="sensor-features"}"#) ?? 0) > 0, "\(scrape.body)")
        #expect((value(scrape.body, #"sluice_micro_batch_seconds_count{pipeline="sensor-features"}"#) ?? 0) > 0)
        #expect((value(scrape.body, #"sluice_dead_lettered_total{pipeline="sensor-features",reason="missing_required",rule="require(temp)"}"#) ?? 0) > 0)
        #expect(scrape.body.contains(#"sluice_operator_rows_in_total{pipeline="sensor-features",operator="stage 1: require(temp, humidity)"}"#))
        #expect(get(base + "/healthz").status == 200)
        let status = get(base + "/status.json")
        #expect(status.body.contains("\"samples\":[{"), "\(status.body)")
        #expect(get(base + "/").body.contains("<svg"))

        p.terminate()  // SIGTERM: drain, flush, exit 0
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = try dir.read("run.log").split(separator: "\n")
        var events: [String] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
            if let event = object?["event"] as? String { events.append(event) }
        }
        #expect(events.first == "http_started")
        #expect(events.contains("progress") && events.contains("stopping") && events.last == "run_finished", "\(events)")
        let finished = try #require(lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect((finished["records_in"] as? Int ?? 0) > 0 && finished["stopped_by_signal"] as? String == "true", "\(finished)")
    }

    @Test func offATerminalProgressComesAsPeriodicSummaryLines() throws {
        let dir = try TempDir()
        #expect(try CLI.run(["gen", "--events", "100000", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let run = try CLI.run(["run", "sensor-features", "-i", dir.path("events_100000.csv"), "-o", dir.path("out.csv"),
                               "--summary-interval", "0.5", "--source-delay-ms", "40", "--batch-size", "1024"])
        #expect(run.status == 0)
        let progress = run.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
        #expect(progress.count >= 2, "\(run.stderr)")
        #expect(progress.allSatisfy { $0.contains("records in (") && $0.contains("/s), ") && $0.contains(" dead-lettered") }, "\(progress)")
        let quiet = try CLI.run(["run", "sensor-features", "-i", dir.path("events_100000.csv"), "-o", dir.path("out.csv"), "--summary-interval", "0"])
        #expect(!quiet.stderr.contains("progress: "))
    }

    @Test func badOperationsFlagsAreRefused() throws {
        let format = try CLI.run(["run", "sensor-features", "--log-format", "xml"])
        #expect(format.status != 0 && format.stderr.contains("--log-format must be text or json"))
        let port = try CLI.run(["run", "sensor-features", "--metrics-port", "70000"])
        #expect(port.status != 0 && port.stderr.contains("--metrics-port must be between 0 and 65535"))
    }
}
