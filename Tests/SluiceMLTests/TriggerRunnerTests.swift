import Foundation
import Testing
@testable import SluiceML
#if canImport(Glibc)
import Glibc
#endif

/// Hooks: a failing command is counted, not fatal; a POST reaches a local listener with the event.
@Suite(.serialized) struct TriggerRunnerTests {
    let event = TrainerEvent(kind: .drift, position: 42, version: 3)

    @Test func aFailingCommandIsCountedNotThrown() throws {
        let trigger = try TriggerRunner(.command("exit 3"), on: [.drift])
        var logged: [String] = []
        trigger.log = { logged.append($0) }
        trigger.fire(event)
        trigger.fire(TrainerEvent(kind: .promotion, position: 1))  // not subscribed
        #expect(trigger.fired == 1)
        #expect(trigger.failures == 1)
        #expect(logged.first?.contains("status 3") == true)
    }

    @Test func postsTheEventAsJSON() throws {
        // A one-shot HTTP listener on loopback.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listen(fd, 1)
        let port = UInt16(bigEndian: addr.sin_port)
        final class Received: @unchecked Sendable { var text = "" }  // Safe: written by the listener thread before join.
        let received = Received()
        let listener = Thread {
            let client = accept(fd, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 4096)
            var total = 0
            while total < buffer.count {
                let n = buffer[total...].withUnsafeMutableBufferPointer { read(client, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                total += n
                if String(decoding: buffer[0..<total], as: UTF8.self).contains("\"position\":42") { break }
            }
            received.text = String(decoding: buffer[0..<total], as: UTF8.self)
            let response = Array("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = response.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count) }
            close(client)
        }
        listener.start()
        let trigger = try TriggerRunner(.post(url: "http://127.0.0.1:\(port)/hooks/sluice"), on: [.drift])
        trigger.fire(event)
        #expect(trigger.failures == 0, "\(trigger.lastError ?? "")")
        #expect(received.text.hasPrefix("POST /hooks/sluice HTTP/1.1"))
        #expect(received.text.contains("\"kind\":\"drift\""))
        #expect(throws: TriggerError.self) { try TriggerRunner(.post(url: "https://example.com"), on: [.drift]) }
    }
}
