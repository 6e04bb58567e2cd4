import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// One record as it should come out of the source.
private struct ExpectedRecord {
    var id: Int64
    var name: String?
    var line: Int64
    var offset: Int64
    var text: String
}

/// One row as it came out of the source.
private struct ReadRecord: Equatable {
    var id: Int64?
    var name: String?
    var key: String?
    var line: Int64
    var offset: Int64
    var text: String
}

private let schema = Schema([Field("id", .int64), Field("name", .string)])

private func quoted(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// `count` records of varying length (0 to 80 name bytes), some quoted, some null, after a header.
private func makeFile(_ count: Int, lineEnd: String = "\n", finalNewline: Bool = true) -> (text: String, records: [ExpectedRecord]) {
    var text = "id,name" + lineEnd
    var records: [ExpectedRecord] = []
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    for i in 0..<count {
        var name: String? = String((0..<((i * 37) % 81)).map { alphabet[($0 + i) % alphabet.count] })
        if i % 7 == 3 { name = "q\(i), \"quoted\" name" }
        if i % 11 == 5 || name == "" { name = nil }
        let body = "\(i),\(name.map(quoted) ?? "")"
        records.append(ExpectedRecord(id: Int64(i), name: name, line: Int64(i + 2), offset: Int64(text.utf8.count), text: body))
        text += body
        if i < count - 1 || finalNewline { text += lineEnd }
    }
    return (text, records)
}

/// Reads everything from `source` and returns the rows (with their provenance, read while valid).
private func readAll(_ source: FileSource, capacity: Int, deadLetters: DeadLetters) throws -> [ReadRecord] {
    let keys = KeyDictionary()
    let batch = Batch(schema: schema, capacity: capacity, dictionaries: ["name": keys])
    try source.open(schema: schema)
    var rows: [ReadRecord] = []
    var calls = 0
    while true {
        batch.reset()
        guard try source.next(into: batch, deadLetters: deadLetters) else { break }
        #expect(batch.count > 0, "next returned true with an empty batch")
        #expect(batch.sourceName == source.name)
        for r in 0..<batch.count {
            let id = batch.columns[0].isValid(r) ? batch.columns[0].int64[r] : nil
            let name = batch.columns[1].isValid(r) ? batch.arena.string(batch.columns[1].strings[r]) : nil
            let key = batch.columns[1].isValid(r) ? keys.key(batch.columns[1].keyIDs![r]) : nil
            let text = String(decoding: batch.recordText(r), as: UTF8.self)
            rows.append(ReadRecord(id: id, name: name, key: key, line: batch.recordNumbers[r], offset: batch.recordOffsets[r], text: text))
        }
        calls += 1
        if calls > 100_000 { Issue.record("the source never ends"); break }
    }
    // Exhausted stays exhausted.
    batch.reset()
    #expect(try source.next(into: batch, deadLetters: deadLetters) == false)
    return rows
}

private func fileSize(_ path: String) throws -> Int64 {
    Int64(try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
}

@Suite struct FileSourceTests {
    @Test(arguments: [1, 64, 150, 4096], [1, 5, 64])
    func everyRecordArrivesOnceInOrderAcrossBufferRefills(bufferSize: Int, capacity: Int) throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        let (text, expected) = makeFile(300)
        let path = try dir.write("in.csv", text)

        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100  // buffer: max(bufferSize, 201) bytes
        let source = try FileSource(path: path, decoder: decoder, bufferSize: bufferSize)
        let letters = DeadLetters(sink: nil)
        let rows = try readAll(source, capacity: capacity, deadLetters: letters)

        #expect(letters.total == 0)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row == ReadRecord(id: want.id, name: want.name, key: want.name, line: want.line, offset: want.offset, text: want.text))
        }
        let size = try fileSize(path)
        #expect(source.totalBytes == size)
        #expect(source.bytesRead == size)
        #expect(decoder.bytesConsumed == size)
        #expect(source.recordsRead == Int64(expected.count))
        #expect(source.name == path)
        #expect(decoder.sourceName == path)
    }

    @Test(arguments: [1, 64, 333])
    func crlfAndAFinalRecordWithoutNewline(bufferSize: Int) throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        let (text, expected) = makeFile(120, lineEnd: "\r\n", finalNewline: false)
        let path = try dir.write("in.csv", text)
        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100
        let source = try FileSource(path: path, decoder: decoder, bufferSize: bufferSize)
        let letters = DeadLetters(sink: nil)
        let rows = try readAll(source, capacity: 7, deadLetters: letters)
        #expect(letters.total == 0)
        #expect(rows.map(\.id) == expected.map(\.id))
        #expect(rows.map(\.name) == expected.map(\.name))
        #expect(rows.map(\.offset) == expected.map(\.offset))
        #expect(rows.map(\.text) == expected.map(\.text))
        #expect(source.bytesRead == Int64(text.utf8.count))
    }

    @Test(arguments: [1, 64, 250])
    func quotedRecordsWithNewlinesStraddlingRefills(bufferSize: Int) throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        var text = "id,name\n"
        var names: [String] = []
        for i in 0..<80 {
            let name = "r\(i) first line\n" + String(repeating: "z", count: i % 40) + "\nthird, \"line\""
            names.append(name)
            text += "\(i),\(quoted(name))\n"
        }
        let path = try dir.write("in.csv", text)
        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100
        let source = try FileSource(path: path, decoder: decoder, bufferSize: bufferSize)
        let letters = DeadLetters(sink: nil)
        let rows = try readAll(source, capacity: 3, deadLetters: letters)
        #expect(letters.total == 0)
        #expect(rows.map(\.id) == (0..<80).map { Int64($0) })
        #expect(rows.map(\.name) == names)
        #expect(source.recordsRead == 80)
        #expect(source.bytesRead == Int64(text.utf8.count))
    }

    @Test(arguments: [1, 64, 500])
    func overlongRecordsAreRejectedOnceAndTheRestArrives(bufferSize: Int) throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        var (text, expected) = makeFile(60)
        // Replace records 10 and 40 by lines far longer than the limit (and than the buffer).
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[11] = "10," + String(repeating: "L", count: 450)
        lines[41] = "40," + String(repeating: "M", count: 150)
        text = lines.joined(separator: "\n")
        var offset: Int64 = Int64("id,name\n".utf8.count)
        for i in expected.indices {
            expected[i].offset = offset
            offset += Int64(lines[i + 1].utf8.count + 1)
        }
        let path = try dir.write("in.csv", text)
        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100
        let sink = MemoryByteSink()
        let letters = DeadLetters(sink: sink)
        let source = try FileSource(path: path, decoder: decoder, bufferSize: bufferSize)
        let rows = try readAll(source, capacity: 4, deadLetters: letters)
        let kept = expected.filter { $0.id != 10 && $0.id != 40 }
        #expect(rows.map(\.id) == kept.map(\.id))
        #expect(rows.map(\.name) == kept.map(\.name))
        #expect(rows.map(\.line) == kept.map(\.line))
        #expect(rows.map(\.offset) == kept.map(\.offset))
        #expect(letters.count(of: .recordTooLong) == 2)
        #expect(letters.total == 2)
        try letters.flush()
        let lettersOut = try sink.text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lettersOut.map { $0["record"] as? Int } == [12, 42])
        #expect(lettersOut.map { $0["offset"] as? Int } == [Int(expected[10].offset), Int(expected[40].offset)])
        #expect(lettersOut.map { $0["source"] as? String } == [path, path])
        #expect(source.recordsRead == 60)
        #expect(source.bytesRead == Int64(text.utf8.count))
    }

    /// Over-long quoted records with newlines inside, longer than the buffer, stray quotes in
    /// unquoted fields and `""` escapes, all straddling refills: each good record arrives once with
    /// its physical line number, each over-long one is rejected once.
    @Test(arguments: [1, 64, 300])
    func quotingEdgeCasesAcrossRefills(bufferSize: Int) throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        var text = "id,name\n"
        var line = 1
        var expected: [(id: Int64, name: String, line: Int64)] = []
        var tooLong: [Int] = []
        for i in 0..<60 {
            line += 1
            let start = line
            var body: String
            var name: String? = nil
            switch i % 5 {
            case 0:  // over-long, quoted, with newlines and escaped quotes, some quotes right at 101 bytes
                let long = String(repeating: "x", count: 60 + i) + "\n\"\"" + String(repeating: "y", count: 150) + "\n,\"\"end"
                body = "\(i),\"\(long)\""
                line += 2
                tooLong.append(start)
            case 1:  // a stray quote in an unquoted field
                name = "5\" tall \(i)"
                body = "\(i),\(name!)"
            case 2:  // quoted with a newline and escapes, short
                name = "two\nlines \"\(i)\""
                body = "\(i),\"two\nlines \"\"\(i)\"\"\""
                line += 1
            case 3:  // over-long, unquoted
                body = "\(i)," + String(repeating: "z", count: 250)
                tooLong.append(start)
            default:
                name = "plain\(i)"
                body = "\(i),\(name!)"
            }
            if let name { expected.append((Int64(i), name, Int64(start))) }
            text += body + "\n"
        }
        let path = try dir.write("in.csv", text)
        let decoder = CSVDecoder()
        decoder.maxRecordBytes = 100
        let sink = MemoryByteSink()
        let letters = DeadLetters(sink: sink)
        let source = try FileSource(path: path, decoder: decoder, bufferSize: bufferSize)
        let rows = try readAll(source, capacity: 3, deadLetters: letters)
        #expect(rows.map(\.id) == expected.map(\.id))
        #expect(rows.map(\.name) == expected.map(\.name))
        #expect(rows.map(\.line) == expected.map(\.line))
        #expect(letters.count(of: .recordTooLong) == tooLong.count)
        #expect(letters.total == tooLong.count)
        try letters.flush()
        let records = try sink.text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["record"] as? Int
        }
        #expect(records == tooLong)
        #expect(source.recordsRead == 60)
        #expect(decoder.bytesConsumed == Int64(text.utf8.count))
    }

    @Test func emptyFileYieldsNothing() throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        let path = try dir.write("empty.csv", "")
        let source = try FileSource(path: path, decoder: CSVDecoder(), bufferSize: 64)
        let rows = try readAll(source, capacity: 4, deadLetters: DeadLetters(sink: nil))
        #expect(rows.isEmpty)
        #expect(source.totalBytes == 0)
        #expect(source.bytesRead == 0)
        #expect(source.recordsRead == 0)
    }

    @Test func headerLackingAFieldFailsWithThePath() throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        let path = try dir.write("in.csv", "id,label\n1,x\n")
        let source = try FileSource(path: path, decoder: CSVDecoder(), bufferSize: 64)
        let error = try #require(throws: InputError.self) {
            _ = try readAll(source, capacity: 4, deadLetters: DeadLetters(sink: nil))
        }
        #expect(error.message.contains(path), "\(error.message)")
        #expect(error.message.contains("'name'"), "\(error.message)")
        #expect(error.message.contains("id, label"), "\(error.message)")
    }

    @Test func nonexistentPathIsAnInputErrorNamingThePath() throws {
        let path = "/tmp/sluice-filetests-missing-\(getpid())-\(UUID().uuidString)/none.csv"
        let error = try #require(throws: InputError.self) { _ = try FileSource(path: path, decoder: CSVDecoder()) }
        #expect(error.message.contains(path), "\(error.message)")
        #expect(error.message.contains("No such file"), "\(error.message)")
    }

    @Test func directoryIsAnInputError() throws {
        let dir = try FileTestDirectory("source")
        defer { dir.remove() }
        let error = try #require(throws: InputError.self) { _ = try FileSource(path: dir.path, decoder: CSVDecoder()) }
        #expect(error.message.contains(dir.path), "\(error.message)")
        #expect(error.message.contains("directory"), "\(error.message)")
    }
}
