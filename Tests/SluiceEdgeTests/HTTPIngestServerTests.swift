import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sluice
import SluiceEdge
import Synchronization
import Testing

/// `POST /ingest` as a client sees it: every status code, its reason, and what reaches the pipeline.
@Suite(.serialized) struct HTTPIngestServerTests {
    struct Answer {
        var status: Int
        var body: String
        var headers: [String: String]
    }

    func post(_ port: Int, _ body: String, token: String? = "s3cret", path: String = "ingest") -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer = Answer(status: 0, body: "", headers: [:])
        URLSession.shared.dataTask(with: request) { data, response, _ in
            let http = response as? HTTPURLResponse
            var headers: [String: String] = [:]
            for (k, v) in http?.allHeaderFields ?? [:] { headers["\(k)".lowercased()] = "\(v)" }
            answer = Answer(status: http?.statusCode ?? 0, body: String(decoding: data ?? Data(), as: UTF8.self), headers: headers)
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        return answer
    }

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test func everyStatusCodeWithItsReason() throws {
        let stop = StopSignal()
        let source = HTTPIngestSource(maxQueuedBytes: 4096, stop: stop)
        let spoolFull = Flag()
        let server = try HTTPIngestServer(options: HTTPIngestOptions(host: "127.0.0.1", port: 0, token: "s3cret", maxBodyBytes: 2048),
                                          source: source, spoolFull: { spoolFull.value.load(ordering: .relaxed) })
        let good = (0..<3).map { "{\"sensor\":\"s\($0)\",\"v\":\($0)}" }.joined(separator: "\n")

        let ok = post(server.port, good)
        #expect(ok.status == 200 && ok.body == "{\"accepted\": 3}\n", "\(ok)")
        let array = post(server.port, "[{\"sensor\":\"a\"},\n {\"sensor\":\"b\"}]")
        #expect(array.status == 200 && array.body.contains("2"))
        #expect(source.recordsAccepted == 5)

        let missing = post(server.port, good, token: nil)
        #expect(missing.status == 401 && missing.body.contains("missing bearer token") && missing.headers["www-authenticate"] == "Bearer")
        let wrong = post(server.port, good, token: "guess")
        #expect(wrong.status == 401 && wrong.body.contains("wrong bearer token"))

        let large = post(server.port, String(repeating: "{\"sensor\":\"s\"}\n", count: 200))
        #expect(large.status == 413 && large.body.contains("limit is 2048"), "\(large)")

        let bad = post(server.port, "{\"sensor\":\"s1\"}\n{\"sensor\":\"s2\"}\n{\"sensor\":\"s3\",}\n")
        #expect(bad.status == 400 && bad.body.contains("line 3: expected a quoted field name"), "\(bad)")
        #expect(source.recordsAccepted == 5, "nothing of a malformed body is taken")

        spoolFull.value.store(true, ordering: .relaxed)
        let full = post(server.port, good)
        #expect(full.status == 503 && full.body.contains("spool is full") && full.headers["retry-after"] == "1", "\(full)")
        spoolFull.value.store(false, ordering: .relaxed)

        // The queue (4096 bytes) fills while the pipeline does not read.
        var queueFull: Answer?
        for _ in 0..<10 {
            let answer = post(server.port, String(repeating: "{\"sensor\":\"s\"}\n", count: 100))
            if answer.status == 503 { queueFull = answer; break }
            #expect(answer.status == 200)
        }
        #expect(queueFull?.body.contains("input queue is full") == true, "\(String(describing: queueFull))")

        stop.request()
        let stopping = post(server.port, good)
        #expect(stopping.status == 503 && stopping.body.contains("stopping"))

        #expect(post(server.port, good, path: "other").status == 404)
        #expect(server.counters.requests(200) >= 3 && server.counters.requests(401) == 2 && server.counters.requests(413) == 1
                && server.counters.requests(400) == 1 && server.counters.requests(503) == 3)
    }

    @Test func admissionOrderAndTheTokenCheck() {
        let options = HTTPIngestOptions(port: 0, token: "abc", maxBodyBytes: 10)
        func check(_ auth: String?, _ length: Int? = 5, stopping: Bool = false, full: Bool = false) -> IngestAdmission.Verdict {
            IngestAdmission.check(authorization: auth, contentLength: length, options: options, stopping: stopping, spoolFull: full)
        }
        #expect(check("Bearer abc") == .admit)
        #expect(check("Bearer abcd") == .refuse(status: 401, reason: "wrong bearer token"))
        #expect(check("Basic abc") == .refuse(status: 401, reason: "wrong bearer token"))
        // A client without the token learns nothing else, not even that the agent stops or is full.
        #expect(check(nil, 99, stopping: true, full: true) == .refuse(status: 401, reason: "missing bearer token (Authorization: Bearer …)"))
        #expect(check("Bearer abc", 99, full: true) == .refuse(status: 413, reason: "the body is 99 bytes; the limit is 10"))
        #expect(check("Bearer abc", full: true) == .refuse(status: 503, reason: "the spool is full and the upstream is away (policy block): retry later"))
        #expect(IngestAdmission.check(authorization: nil, contentLength: nil, options: HTTPIngestOptions(port: 0), stopping: false, spoolFull: false) == .admit)
    }

    func shell(_ arguments: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// HTTPS with the operator's certificate (openssl and curl come with scripts/setup.sh).
    @Test func overTLS() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let made = try shell(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                              "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        #expect(made.status == 0, "\(made.out)")
        let source = HTTPIngestSource(stop: StopSignal())
        let server = try HTTPIngestServer(options: HTTPIngestOptions(host: "127.0.0.1", port: 0, token: "s3cret",
                                                                     tls: .init(certificate: dir + "/cert.pem", key: dir + "/key.pem")),
                                          source: source, spoolFull: { false })
        let secure = try shell(["curl", "-sS", "--cacert", dir + "/cert.pem", "-H", "Authorization: Bearer s3cret", "--data-binary", "{\"sensor\":\"s1\"}",
                                "https://127.0.0.1:\(server.port)/ingest"])
        #expect(secure.status == 0 && secure.out == "{\"accepted\": 1}\n", "\(secure.out)")
        #expect(source.recordsAccepted == 1)
        let plain = try shell(["curl", "-sS", "--max-time", "5", "--data-binary", "{}", "http://127.0.0.1:\(server.port)/ingest"])
        #expect(plain.status != 0, "plain HTTP is not served on the TLS port: \(plain.out)")
        #expect {
            try HTTPIngestServer(options: HTTPIngestOptions(host: "127.0.0.1", port: 0, tls: .init(certificate: dir + "/missing.pem", key: dir + "/key.pem")),
                                 source: source, spoolFull: { false })
        } throws: { "\($0)".contains("cannot load the certificate") }
    }
}
