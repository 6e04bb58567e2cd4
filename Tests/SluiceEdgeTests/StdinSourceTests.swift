import Foundation
import Sluice
import SluiceEdge
import SluiceFiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Reading a pipe: whole lines only, a silent writer does not hold up a stop, the last line counts.
struct StdinSourceTests {
    func read(_ source: StdinSource) throws -> [String]? {
        let block = Block(capacity: 1 << 16)
        guard try source.next(into: block, maxLines: 1000) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: block.bytes, count: block.count), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func wholeLinesAStopWhileSilentAndTheLastLine() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let write = { (text: String) in _ = text.withCString { Glibc.write(fds[1], $0, strlen($0)) } }
        let stop = StopSignal()
        let source = StdinSource(format: .csv, hasHeader: true, stop: stop, fd: fds[0])
        write("k,t,x\na,1,0.5\nb,2,")
        try source.open(schema: Schema([Field("k", .string), Field("t", .int64), Field("x", .float64)]))
        #expect(try read(source) == ["a,1,0.5"], "the half-written line waits")
        write("1.5\nc,3,2.5")
        #expect(try read(source) == ["b,2,1.5"])
        close(fds[1])
        #expect(try read(source) == ["c,3,2.5"], "at the end, a last line without its newline counts")
        #expect(try read(source) == nil)
        #expect(!source.endedByStop)

        #expect(pipe(&fds) == 0)
        defer { close(fds[1]) }
        let silent = StdinSource(format: .ndjson, stop: stop, fd: fds[0])
        let started = Date()
        stop.request()
        #expect(try read(silent) == nil, "stopped: ends at once though the writer is silent")
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(silent.endedByStop)
    }
}
