import Foundation
import Sluice
@testable import SluiceFiles
import Testing

/// Micro-batch policy on streaming input: max rows per block, and how long a partly filled block
/// waits for more records (linger).
@Suite(.serialized) struct FileBlockSourceTests {
    /// A pipe whose writer sends `first`, waits, then sends `second` and closes.
    func pipeSource(first: String, second: String, pause: Double, linger: Double) throws -> (FileBlockSource, Thread) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        let writer = Thread {
            _ = first.withCString { write(writeFD, $0, strlen($0)) }
            Thread.sleep(forTimeInterval: pause)
            _ = second.withCString { write(writeFD, $0, strlen($0)) }
            close(writeFD)
        }
        writer.start()
        let source = try FileBlockSource(path: "/dev/fd/\(readFD)", format: .ndjson)
        source.linger = linger
        return (source, writer)
    }

    @Test func withoutLingerABlockIsHandedOverAsSoonAsARecordArrives() throws {
        let (source, _) = try pipeSource(first: "{\"a\":1}\n", second: "{\"a\":2}\n", pause: 0.3, linger: 0)
        let block = Block(capacity: 1 << 16)
        #expect(try source.next(into: block, maxLines: 100))
        #expect(block.lines == 1)
        #expect(try source.next(into: block, maxLines: 100))
        #expect(block.lines == 1)
        #expect(try !source.next(into: block, maxLines: 100))
    }

    @Test func lingerWaitsForMoreRecordsUpToItsLimit() throws {
        let (source, _) = try pipeSource(first: "{\"a\":1}\n", second: "{\"a\":2}\n", pause: 0.1, linger: 2)
        let block = Block(capacity: 1 << 16)
        let start = monotonicSeconds()
        #expect(try source.next(into: block, maxLines: 100))
        #expect(block.lines == 2, "the second record arrived within the linger time")
        #expect(monotonicSeconds() - start < 1.9, "end of input ends the wait")
    }

    @Test func maxLinesBoundsABlock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-blocks-\(UUID().uuidString).ndjson").path
        try String(repeating: "{\"a\":1}\n", count: 1000).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try FileBlockSource(path: path, format: .ndjson)
        let block = Block(capacity: 1 << 16)
        var lines: [Int] = []
        while try source.next(into: block, maxLines: 300) { lines.append(block.lines) }
        #expect(lines == [300, 300, 300, 100])
    }
}
