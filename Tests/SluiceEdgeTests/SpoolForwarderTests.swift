import Foundation
import Sluice
import SluiceEdge
import SluiceKafka
import Testing

/// The forwarder delivers a spool in order through upstream failures: what the upstream refused is
/// sent again after a backoff, new records keep arriving meanwhile, nothing is lost or reordered.
@Suite(.serialized) struct SpoolForwarderTests {
    /// Refuses every send while `down`, else keeps the records.
    final class FlakyUpstream: Upstream, @unchecked Sendable {
        // Safe: guarded by `lock`.
        let name = "flaky://test"
        private let lock = NSLock()
        private var received: [[UInt8]] = []
        private var isDown = false
        private(set) var refusals = 0
        var down: Bool {
            get { lock.withLock { isDown } }
            set { lock.withLock { isDown = newValue } }
        }
        var records: [[UInt8]] { lock.withLock { received } }
        func send(_ records: [[UInt8]]) throws {
            try lock.withLock {
                if isDown {
                    refusals += 1
                    throw UpstreamError("connection refused")
                }
                received += records
            }
        }
    }

    final class Lines: @unchecked Sendable {
        // Safe: guarded by `lock`.
        private let lock = NSLock()
        private var lines: [(String, Bool)] = []
        func add(_ line: String, _ up: Bool) { lock.withLock { lines.append((line, up)) } }
        var all: [(String, Bool)] { lock.withLock { lines } }
    }

    func spool() throws -> Spool {
        try Spool(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fwd-\(UUID().uuidString)").path,
                  options: SpoolOptions(maxBytes: 8 << 20, segmentBytes: 64 << 10))
    }

    @Test func anOutageIsBridgedInOrder() throws {
        let spool = try spool()
        let upstream = FlakyUpstream()
        let lines = Lines()
        let forwarder = SpoolForwarder(spool: spool, upstream: upstream, batchSize: 100, backoff: Backoff(initialSeconds: 0.01, maxSeconds: 0.05),
                                       log: { lines.add($0, $1) })
        forwarder.start()
        for i in 0..<2000 { try spool.append(Array("r\(i)".utf8)) }
        upstream.down = true  // the collector goes away while records keep coming
        for i in 2000..<6000 { try spool.append(Array("r\(i)".utf8)) }
        usleep(200_000)
        #expect(!forwarder.status.upstreamUp && spool.stats.pendingRecords > 0, "records wait in the spool")
        upstream.down = false
        for i in 6000..<8000 { try spool.append(Array("r\(i)".utf8)) }
        #expect(forwarder.drain(timeoutSeconds: 10))
        forwarder.stop()
        #expect(upstream.records == (0..<8000).map { Array("r\($0)".utf8) }, "every record once, in order")
        #expect(upstream.refusals > 1 && forwarder.status.upstreamUp && forwarder.status.delivered == 8000)
        #expect(lines.all.map(\.1) == [false, true], "one line when it goes down, one when it is back: \(lines.all)")
    }

    @Test func kafkaBrokersAwayAndBack() throws {
        let broker = try DevBroker(brokers: 1)
        try broker.createTopic("upstream", partitions: 4)
        let spool = try spool()
        let upstream = try KafkaUpstream(bootstrapServers: broker.bootstrapServers, topic: "upstream", keyFields: 1)
        let forwarder = SpoolForwarder(spool: spool, upstream: upstream, batchSize: 500)
        forwarder.start()
        for i in 0..<3000 { try spool.append(Array("s\(i % 50),\(i),x".utf8)) }
        #expect(forwarder.drain(timeoutSeconds: 20))
        try broker.setBroker(1, up: false)
        for i in 3000..<6000 { try spool.append(Array("s\(i % 50),\(i),x".utf8)) }
        usleep(1_500_000)
        #expect(spool.stats.pendingRecords > 0, "held while the broker is away")
        try broker.setBroker(1, up: true)
        #expect(forwarder.drain(timeoutSeconds: 60))
        forwarder.stop()
        var seen: [Int] = []
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "upstream").forEach { _, value, _, _ in
            seen.append(Int(String(decoding: value, as: UTF8.self).split(separator: ",")[1])!)
        }
        #expect(Set(seen) == Set(0..<6000), "every record arrived")
        // Per key (one partition each), in order.
        var lastPerKey: [Int: Int] = [:]
        var inOrder = true
        for v in seen {
            if let last = lastPerKey[v % 50], last > v { inOrder = false }
            lastPerKey[v % 50] = v
        }
        #expect(inOrder)
    }
}
