import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sluice
@testable import SluiceOps
import Testing

/// The HTTP endpoints as a scraper, a load balancer and a browser see them.
@Suite(.serialized) struct OpsServerTests {
    func get(_ url: String) throws -> (status: Int, type: String, body: String) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String, String) = (0, "", "")
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
            let http = response as? HTTPURLResponse
            result = (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        return result
    }

    @Test func metricsHealthStatusAndThePage() throws {
        let exporter = PrometheusExporter.bootstrap()
        let metrics = PipelineMetrics(pipeline: "server-test")
        metrics.recordsRead(42, bytes: 420)
        let board = StatusBoard(verb: "run", name: "server-test")
        board.set("input", "events.csv")
        board.add(.init(t: StatusBoard.now(), recordsIn: 42, recordsOut: 2, deadLettered: 1, lag: 7, watermark: 1_700_000_000_000))
        board.setPartitions([.init(partition: 3, position: 99, watermark: 1_700_000_000_000, owner: nil)])
        board.addPoint(.init(t: 1, records: 100, value: 0.9), metric: "accuracy")
        board.addMarker(.init(t: 2, records: 150, kind: "drift", label: "drift at 150"))
        let healthy = HealthFlag()
        let server = try OpsServer(host: "127.0.0.1", port: 0, exporter: exporter, board: board, health: { healthy.value ? (true, "ok") : (false, "stopping") })
        #expect(server.port > 0)
        let base = "http://127.0.0.1:\(server.port)"

        let scrape = try get(base + "/metrics")
        #expect(scrape.status == 200 && scrape.type.hasPrefix("text/plain; version=0.0.4"))
        #expect(scrape.body.contains(#"sluice_records_in_total{pipeline="server-test"} 42"#), "\(scrape.body)")

        #expect(try get(base + "/healthz").status == 200)
        healthy.value = false
        let unhealthy = try get(base + "/healthz")
        #expect(unhealthy.status == 503 && unhealthy.body.contains("stopping"))

        let status = try get(base + "/status.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
        #expect(json["verb"] as? String == "run" && json["name"] as? String == "server-test")
        #expect((json["samples"] as? [[String: Any]])?.first?["lag"] as? Int == 7)
        #expect((json["partitions"] as? [[String: Any]])?.first?["position"] as? Int == 99)
        #expect((json["markers"] as? [[String: Any]])?.first?["kind"] as? String == "drift")

        let page = try get(base + "/")
        #expect(page.status == 200 && page.type.hasPrefix("text/html"))
        #expect(page.body.contains("status.json") && page.body.contains("<svg"))
        // Self-contained: no script, style, image or font from anywhere else.
        for external in ["src=\"http", "href=\"http", "@import", "url(http", "<link"] {
            #expect(!page.body.contains(external), "the page loads \(external)…")
        }

        #expect(try get(base + "/nothing").status == 404)
    }

    @Test func aTakenPortIsAClearError() throws {
        let exporter = PrometheusExporter.bootstrap()
        let first = try OpsServer(host: "127.0.0.1", port: 0, exporter: exporter, board: StatusBoard(verb: "run", name: "a"))
        #expect {
            _ = try OpsServer(host: "127.0.0.1", port: first.port, exporter: exporter, board: StatusBoard(verb: "run", name: "b"))
        } throws: { error in
            "\(error)".contains("cannot serve metrics on 127.0.0.1:\(first.port)")
        }
    }
}

final class HealthFlag: @unchecked Sendable {
    // Safe: a test toggles it between requests; the server reads it on its own thread after.
    private let lock = NSLock()
    private var healthy = true
    var value: Bool {
        get { lock.withLock { healthy } }
        set { lock.withLock { healthy = newValue } }
    }
}
