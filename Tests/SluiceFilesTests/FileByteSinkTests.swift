import Foundation
import Sluice
import Testing

@testable import SluiceFiles

private func write(_ sink: FileByteSink, _ text: String) throws {
    try Array(text.utf8).withUnsafeBytes { try sink.write($0) }
}

/// Opens a sink, writes to it and drops it without closing.
private func abandon(path: String, text: String) throws {
    let sink = try FileByteSink(path: path)
    try write(sink, text)
    try sink.flush()
    #expect(FileManager.default.fileExists(atPath: "\(path).tmp-\(getpid())"))
}

@Suite struct FileByteSinkTests {
    @Test func writesGoToATemporaryFileThatReplacesThePathOnlyOnClose() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        let path = dir.file("out.csv")
        let tmpName = "out.csv.tmp-\(getpid())"
        let sink = try FileByteSink(path: path)
        #expect(sink.path == path)
        #expect(dir.contents() == [tmpName])

        try write(sink, "a,b\n")
        try write(sink, String(repeating: "x", count: 100_000) + "\n")
        try sink.flush()
        #expect(!dir.exists("out.csv"))
        #expect(try dir.read(tmpName) == "a,b\n" + String(repeating: "x", count: 100_000) + "\n")

        try sink.close()
        #expect(dir.contents() == ["out.csv"])
        #expect(try dir.read("out.csv") == "a,b\n" + String(repeating: "x", count: 100_000) + "\n")
        try sink.close()  // closing twice is harmless
        #expect(dir.contents() == ["out.csv"])
    }

    @Test func anExistingFileIsKeptUntilClose() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        try dir.write("out.csv", "old contents\n")
        let sink = try FileByteSink(path: dir.file("out.csv"))
        try write(sink, "new contents\n")
        try sink.flush()
        #expect(try dir.read("out.csv") == "old contents\n")
        try sink.close()
        #expect(try dir.read("out.csv") == "new contents\n")
        #expect(dir.contents() == ["out.csv"])
    }

    @Test func anUnclosedSinkLeavesNoFileBehind() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        try abandon(path: dir.file("out.csv"), text: "partial output\n")
        #expect(dir.contents().isEmpty)
    }

    @Test func anUnclosedSinkKeepsAnExistingFile() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        try dir.write("out.csv", "old contents\n")
        try abandon(path: dir.file("out.csv"), text: "partial output\n")
        #expect(dir.contents() == ["out.csv"])
        #expect(try dir.read("out.csv") == "old contents\n")
    }

    @Test func anEmptyOutputStillAppearsOnClose() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        let sink = try FileByteSink(path: dir.file("empty.ndjson"))
        try sink.close()
        #expect(dir.contents() == ["empty.ndjson"])
        #expect(try dir.read("empty.ndjson") == "")
    }

    @Test func anUnwritableDirectoryIsAnInputErrorNamingThePath() throws {
        let path = "/tmp/sluice-filetests-missing-\(getpid())-\(UUID().uuidString)/out.csv"
        let error = try #require(throws: InputError.self) { _ = try FileByteSink(path: path) }
        #expect(error.message.contains(path), "\(error.message)")
    }

    // MARK: Open issue (see the report; fails until fixed)

    /// Two sinks for the same path in one process (a retried run, a test suite, `--output` and
    /// `--dead-letters` naming the same file) share the temporary name `path.tmp-PID`: the second
    /// truncates the first's file, the first's close publishes the second's bytes, and the second's
    /// close fails because its file was renamed away.
    @Test func twoSinksForOnePathDoNotShareATemporaryFile() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        let path = dir.file("out.csv")
        let first = try FileByteSink(path: path)
        try write(first, "first\n")
        let second = try FileByteSink(path: path)
        try write(second, "second\n")
        try first.close()
        #expect(try dir.read("out.csv") == "first\n")
        #expect(throws: Never.self) { try second.close() }
        #expect(try dir.read("out.csv") == "second\n")
        #expect(dir.contents() == ["out.csv"])
    }

    /// An abandoned sink's cleanup must not delete the temporary file of another, live sink.
    @Test func anAbandonedSinkDoesNotRemoveALiveSinksFile() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        let path = dir.file("out.csv")
        let live = try FileByteSink(path: path)
        try abandon(path: path, text: "abandoned\n")
        try write(live, "kept\n")
        #expect(throws: Never.self) { try live.close() }
        #expect(dir.exists("out.csv"))
        #expect((try? dir.read("out.csv")) == "kept\n")
    }

    @Test func encodersCloseTheFileSinkTheyWriteTo() throws {
        let dir = try FileTestDirectory("sink")
        defer { dir.remove() }
        let schema = Schema([Field("x", .int64)])
        let batch = Batch(schema: schema, capacity: 2)
        batch.columns[0].int64[0] = 1
        batch.columns[0].int64[1] = -2
        batch.count = 2
        batch.selectAll()
        for (name, encoder) in [("o.csv", CSVEncoder(sink: try FileByteSink(path: dir.file("o.csv"))) as any RecordSink),
                                ("o.ndjson", NDJSONEncoder(sink: try FileByteSink(path: dir.file("o.ndjson"))))] {
            try encoder.open(schema: schema)
            try encoder.write(batch, slots: [0])
            #expect(!dir.exists(name))
            try encoder.close()
            #expect(dir.exists(name))
        }
        #expect(dir.contents() == ["o.csv", "o.ndjson"])
        #expect(try dir.read("o.csv") == "x\n1\n-2\n")
        #expect(try dir.read("o.ndjson") == "{\"x\":1}\n{\"x\":-2}\n")
    }
}
