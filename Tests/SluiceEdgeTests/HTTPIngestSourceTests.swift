import Foundation
import Sluice
import SluiceEdge
import Testing

/// The queue between `POST /ingest` and the pipeline: bounded, read in whole lines, drained on a stop.
struct HTTPIngestSourceTests {
    func body(_ range: Range<Int>) -> [UInt8] { Array(range.map { "{\"n\":\($0)}\n" }.joined().utf8) }

    func read(_ source: HTTPIngestSource, capacity: Int = 1 << 16, maxLines: Int = 1000) throws -> [String]? {
        let block = Block(capacity: capacity)
        guard try source.next(into: block, maxLines: maxLines) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: block.bytes, count: block.count), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func bodiesComeOutInOrderInWholeLinesAcrossBlocks() throws {
        let source = HTTPIngestSource(stop: StopSignal())
        #expect(source.offer(body(0..<500), records: 500))
        #expect(source.offer(body(500..<600), records: 100))
        var all: [String] = []
        while all.count < 600, let lines = try read(source, capacity: 1000, maxLines: 70) {
            #expect(lines.count <= 70)
            all += lines
        }
        #expect(all == (0..<600).map { "{\"n\":\($0)}" })
        #expect(source.pendingBytes == 0 && source.recordsAccepted == 600)
    }

    @Test func aFullQueueRefusesAndAStopDrainsWhatWasAccepted() throws {
        let stop = StopSignal()
        let source = HTTPIngestSource(maxQueuedBytes: 800, stop: stop)
        source.idleSeconds = 0.05
        #expect(source.offer(body(0..<50), records: 50))       // 440 bytes
        #expect(!source.offer(body(50..<100), records: 50))    // 450 more would be 890: refused
        #expect(try read(source)?.count == 50)
        #expect(try read(source) == [], "idle: an empty block, not the end")
        #expect(source.offer(body(50..<60), records: 10))
        stop.request()
        #expect(!source.offer(body(100..<101), records: 1), "nothing is taken once stopping")
        #expect(try read(source)?.count == 10, "accepted before the stop: still processed")
        #expect(try read(source) == nil)
        #expect(source.endedByStop)
    }
}
