import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// A CSV decoder, a batch and a dead-letter capture.
///
/// `decode(_:from:atEnd:)` mimics ``FileSource``: `batch.recordBytes` is the start of the whole
/// buffer and the decoder is handed the unconsumed tail, so `recordStarts` index into `bytes`.
private final class CSVHarness {
    let schema: Schema
    let keys: KeyDictionary
    let batch: Batch
    let sink = MemoryByteSink()
    let deadLetters: DeadLetters
    let decoder: CSVDecoder

    static let sensorSchema = Schema([
        Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64),
        Field("humidity", .float64), Field("status", .string),
    ])
    static let header = "sensor_id,ts,temp,humidity,status\n"

    init(schema: Schema = CSVHarness.sensorSchema, capacity: Int = 64, hasHeader: Bool = true,
         maxRecordBytes: Int? = nil, keyField: String? = "sensor_id") throws {
        self.schema = schema
        let keys = KeyDictionary()
        self.keys = keys
        batch = Batch(schema: schema, capacity: capacity, dictionaries: keyField.map { [$0: keys] } ?? [:])
        deadLetters = DeadLetters(sink: sink)
        decoder = CSVDecoder(hasHeader: hasHeader)
        decoder.sourceName = "test.csv"
        if let maxRecordBytes { decoder.maxRecordBytes = maxRecordBytes }
        try decoder.open(schema: schema)
    }

    /// Decodes `bytes[start...]` into the batch (not reset) and returns the bytes consumed.
    @discardableResult
    func decode(_ bytes: [UInt8], from start: Int = 0, atEnd: Bool = true) throws -> Int {
        // An exactly sized copy, so a read past the end would be caught by sanitizers.
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        defer { buffer.deallocate() }
        buffer.initialize(from: bytes, count: bytes.count)
        batch.recordBytes = UnsafeRawPointer(buffer)
        defer { batch.recordBytes = nil }
        return try decoder.decode(buffer + start, count: bytes.count - start, atEnd: atEnd, into: batch, deadLetters: deadLetters)
    }

    @discardableResult
    func decode(_ text: String, atEnd: Bool = true) throws -> Int {
        try decode(Array(text.utf8), atEnd: atEnd)
    }

    func column(_ name: String) -> Column { batch.column(name)! }

    func string(_ name: String, _ row: Int) -> String? {
        let c = column(name)
        return c.isValid(row) ? batch.arena.string(c.strings[row]) : nil
    }

    func int(_ name: String, _ row: Int) -> Int64? {
        let c = column(name)
        return c.isValid(row) ? c.int64[row] : nil
    }

    func double(_ name: String, _ row: Int) -> Double? {
        let c = column(name)
        return c.isValid(row) ? c.float64[row] : nil
    }

    func bool(_ name: String, _ row: Int) -> Bool? {
        let c = column(name)
        return c.isValid(row) ? c.bools[row] != 0 : nil
    }

    /// The dead-letter lines written so far, parsed.
    func letters() throws -> [[String: Any]] {
        try deadLetters.flush()
        return try sink.text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    func reasons() throws -> [String] { try letters().map { $0["reason"] as? String ?? "?" } }
}

private func recordText(_ bytes: [UInt8], _ batch: Batch, _ row: Int) -> String {
    let start = batch.recordStarts[row]
    return String(decoding: bytes[start..<(start + Int(batch.recordLengths[row]))], as: UTF8.self)
}

/// The byte offset of the first occurrence of `needle` in `text`.
private func offset(of needle: String, in text: String) -> Int64 {
    let bytes = Array(text.utf8), n = Array(needle.utf8)
    for i in 0...(bytes.count - n.count) where Array(bytes[i..<(i + n.count)]) == n { return Int64(i) }
    Issue.record("'\(needle)' not found")
    return -1
}

@Suite struct CSVDecoderTests {
    // MARK: Header

    @Test func mapsColumnsByHeaderNameInAnyOrderAndIgnoresExtraColumns() throws {
        let h = try CSVHarness()
        try h.decode("""
            status,extra,humidity,ts,sensor_id,temp,more
            ok,x,22.5,1700000000000,s01,27.25,y
            warn,,1e2,-42,s02,-3.5,

            """)
        #expect(h.batch.count == 2)
        #expect(try h.letters().isEmpty)
        #expect(h.string("sensor_id", 0) == "s01")
        #expect(h.int("ts", 0) == 1_700_000_000_000)
        #expect(h.double("temp", 0) == 27.25)
        #expect(h.double("humidity", 0) == 22.5)
        #expect(h.string("status", 0) == "ok")
        #expect(h.string("sensor_id", 1) == "s02")
        #expect(h.int("ts", 1) == -42)
        #expect(h.double("temp", 1) == -3.5)
        #expect(h.double("humidity", 1) == 100)
        #expect(h.string("status", 1) == "warn")
    }

    @Test func skipsUTF8ByteOrderMarkAndTrimsQuotedHeaderNames() throws {
        let h = try CSVHarness()
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\"sensor_id\", ts ,temp,humidity,status\r\ns01,5,1.5,2.5,ok\r\n".utf8)
        try h.decode(bytes)
        #expect(h.batch.count == 1)
        #expect(try h.letters().isEmpty)
        #expect(h.string("sensor_id", 0) == "s01")
        #expect(h.int("ts", 0) == 5)
        #expect(h.string("status", 0) == "ok")
    }

    @Test func headerMissingASchemaFieldIsAnInputErrorNamingTheFieldAndTheHeader() throws {
        let h = try CSVHarness()
        do {
            try h.decode("sensor_id,ts,temp,status\ns01,1,2,ok\n")
            Issue.record("expected an InputError")
        } catch let error as InputError {
            #expect(error.message.contains("'humidity'"), "\(error.message)")
            #expect(error.message.contains("sensor_id, ts, temp, status"), "\(error.message)")
            #expect(error.message.contains("test.csv"), "\(error.message)")
        }
        #expect(h.batch.count == 0)
    }

    @Test func headerMissingSeveralFieldsNamesThemAll() throws {
        let h = try CSVHarness()
        let error = try #require(throws: InputError.self) { try h.decode("sensor_id,ts,status\n") }
        #expect(error.message.contains("'temp', 'humidity'"), "\(error.message)")
        #expect(error.message.contains("sensor_id, ts, status"), "\(error.message)")
    }

    @Test func headerNamingAColumnTwiceIsAnInputError() throws {
        let h = try CSVHarness()
        let error = try #require(throws: InputError.self) { try h.decode("sensor_id,ts,temp,humidity,status,ts\n") }
        #expect(error.message.contains("'ts' twice"), "\(error.message)")
    }

    @Test func withoutHeaderColumnsAreTheSchemaFieldsInOrder() throws {
        let h = try CSVHarness(hasHeader: false)
        try h.decode("s01,10,1.5,2.5,ok\ns02,11,3.5,4.5,warn\n")
        #expect(h.batch.count == 2)
        #expect(h.string("sensor_id", 0) == "s01")
        #expect(h.int("ts", 1) == 11)
        #expect(h.double("humidity", 1) == 4.5)
        #expect(h.batch.recordNumbers[0] == 1)
        #expect(h.batch.recordNumbers[1] == 2)
        #expect(h.decoder.recordsRead == 2)
    }

    @Test func headerLineAloneDecodesNothing() throws {
        let h = try CSVHarness()
        let text = CSVHarness.header
        #expect(try h.decode(text) == text.utf8.count)
        #expect(h.batch.count == 0)
        #expect(h.decoder.recordsRead == 0)
        #expect(h.decoder.bytesConsumed == Int64(text.utf8.count))
    }

    // MARK: Fields

    @Test func emptyUnquotedFieldsAreNull() throws {
        let h = try CSVHarness()
        try h.decode(CSVHarness.header + ",,,,\ns01,,1.5,,\n")
        #expect(h.batch.count == 2)
        for name in ["sensor_id", "ts", "temp", "humidity", "status"] { #expect(!h.column(name).isValid(0), "\(name)") }
        #expect(h.string("sensor_id", 1) == "s01")
        #expect(h.int("ts", 1) == nil)
        #expect(h.double("temp", 1) == 1.5)
        #expect(h.double("humidity", 1) == nil)
        #expect(h.string("status", 1) == nil)
    }

    @Test func quotedFieldsWithDelimitersEscapedQuotesAndEmptyStrings() throws {
        let h = try CSVHarness()
        try h.decode(CSVHarness.header + #"""
            "s,01","7","1.25","","say ""hi"", ok"
            s02,8,2,3,""
            "",9,"",4,""""

            """#)
        #expect(h.batch.count == 3)
        #expect(try h.letters().isEmpty)
        #expect(h.string("sensor_id", 0) == "s,01")
        #expect(h.int("ts", 0) == 7)
        #expect(h.double("temp", 0) == 1.25)
        #expect(h.double("humidity", 0) == nil)  // a quoted empty number is null
        #expect(h.string("status", 0) == "say \"hi\", ok")
        #expect(h.string("status", 1) == "")  // a quoted empty string is a valid empty string
        #expect(h.column("status").isValid(1))
        #expect(h.string("sensor_id", 2) == "")
        #expect(h.double("temp", 2) == nil)
        #expect(h.string("status", 2) == "\"")
    }

    @Test func quotedFieldWithEmbeddedNewlinesSpansLines() throws {
        let h = try CSVHarness()
        let text = CSVHarness.header + "s01,1,1.5,2.5,\"line one\nline two\r\nline three\"\ns02,2,3.5,4.5,ok\n"
        #expect(try h.decode(text, atEnd: false) == text.utf8.count)
        #expect(h.batch.count == 2)
        #expect(try h.letters().isEmpty)
        #expect(h.string("status", 0) == "line one\nline two\r\nline three")
        #expect(h.string("sensor_id", 1) == "s02")
        #expect(h.string("status", 1) == "ok")
        #expect(h.decoder.recordsRead == 2)
    }

    @Test func quotedRecordIncompleteWithoutAtEndWaitsForMoreBytes() throws {
        let h = try CSVHarness()
        let head = CSVHarness.header + "s01,1,1.5,2.5,ok\ns02,2,3.5,4.5,\"open\nstill open"
        let consumed = try h.decode(head, atEnd: false)
        #expect(consumed == (CSVHarness.header + "s01,1,1.5,2.5,ok\n").utf8.count)
        #expect(h.batch.count == 1)
        let full = Array((head + " and closed\"\n").utf8)
        try h.decode(full, from: consumed, atEnd: false)
        #expect(h.batch.count == 2)
        #expect(h.string("status", 1) == "open\nstill open and closed")
        #expect(h.batch.recordOffsets[1] == Int64(consumed))
    }

    @Test func crlfLineEndsAreStripped() throws {
        let h = try CSVHarness()
        let text = "sensor_id,ts,temp,humidity,status\r\ns01,1,1.5,2.5,ok\r\ns02,2,3.5,4.5,warn\r\n"
        try h.decode(text)
        #expect(h.batch.count == 2)
        #expect(try h.letters().isEmpty)
        #expect(h.string("status", 0) == "ok")
        #expect(h.string("status", 1) == "warn")
        #expect(recordText(Array(text.utf8), h.batch, 1) == "s02,2,3.5,4.5,warn")
    }

    @Test func blankLinesAreSkippedButCountAsLines() throws {
        let h = try CSVHarness()
        let text = "\n" + CSVHarness.header + "\ns01,1,1.5,2.5,ok\n\r\n\ns02,2,3.5,4.5,warn\n\n"
        #expect(try h.decode(text) == text.utf8.count)
        #expect(h.batch.count == 2)
        #expect(try h.letters().isEmpty)
        #expect(h.batch.recordNumbers[0] == 4)
        #expect(h.batch.recordNumbers[1] == 7)
        #expect(h.decoder.recordsRead == 2)
    }

    @Test func numbersMayBeSurroundedBySpacesAndQuoted() throws {
        let schema = Schema([Field("i", .int64), Field("d", .float64), Field("b", .bool), Field("s", .string)])
        let h = try CSVHarness(schema: schema, keyField: nil)
        try h.decode("i,d,b,s\n 12 ,\t-3.5\t, true , padded \n\" 7\",\" 1e3 \",\"0\",x\n-9223372036854775808,1.5e-7,FALSE,y\n")
        #expect(try h.letters().isEmpty)
        #expect(h.batch.count == 3)
        #expect(h.int("i", 0) == 12)
        #expect(h.double("d", 0) == -3.5)
        #expect(h.bool("b", 0) == true)
        #expect(h.string("s", 0) == " padded ")  // strings keep their spaces
        #expect(h.int("i", 1) == 7)
        #expect(h.double("d", 1) == 1000)
        #expect(h.bool("b", 1) == false)
        #expect(h.int("i", 2) == Int64.min)
        #expect(h.double("d", 2) == 1.5e-7)
        #expect(h.bool("b", 2) == false)
    }

    // MARK: Rejections

    @Test func invalidValuesAreDeadLetteredWithFieldValueAndLine() throws {
        let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64),
                             Field("humidity", .float64), Field("status", .string), Field("ok", .bool)])
        let h = try CSVHarness(schema: schema)
        let text = """
            sensor_id,ts,temp,humidity,status,ok
            s01,1,1.5,2.5,ok,true
            s02,2,abc,2.5,ok,true
            s03,3x,1.5,2.5,ok,true

            s04,4,1.5,nan,ok,true
            s05,5,1.5,2.5,ok,maybe
            s06,99999999999999999999,1.5,1e999,ok,1
            s07,7,1.5,2.5,ok,0

            """
        try h.decode(text)
        #expect(h.batch.count == 2)
        #expect(h.string("sensor_id", 0) == "s01")
        #expect(h.string("sensor_id", 1) == "s07")
        #expect(h.batch.recordNumbers[1] == 9)
        let letters = try h.letters()
        #expect(letters.count == 5)
        #expect(letters.allSatisfy { $0["reason"] as? String == "invalid_value" })
        #expect(letters.map { $0["value"] as? String } == ["abc", "3x", "nan", "maybe", "99999999999999999999"])
        #expect(letters.map { $0["record"] as? Int } == [3, 4, 6, 7, 8])
        let details = letters.map { $0["detail"] as? String ?? "" }
        #expect(details[0].contains("'temp'") && details[0].contains("float64"), "\(details[0])")
        #expect(details[1].contains("'ts'") && details[1].contains("int64"), "\(details[1])")
        #expect(details[2].contains("'humidity'"), "\(details[2])")
        #expect(details[3].contains("'ok'") && details[3].contains("bool"), "\(details[3])")
        #expect(details[4].contains("'ts'"), "\(details[4])")
        #expect(letters[0]["data"] as? String == "s02,2,abc,2.5,ok,true")
        #expect(letters[0]["source"] as? String == "test.csv")
        #expect(letters[0]["offset"] as? Int == Int(offset(of: "s02", in: text)))
        #expect(h.decoder.recordsRead == 7)
    }

    @Test func wrongFieldCountIsMalformed() throws {
        let h = try CSVHarness()
        let text = CSVHarness.header + "s01,1,1.5,2.5\ns02,2,1.5,2.5,ok,extra\nnot a record\ns03,3,1.5,2.5,ok\n"
        try h.decode(text)
        #expect(h.batch.count == 1)
        #expect(h.string("sensor_id", 0) == "s03")
        let letters = try h.letters()
        #expect(letters.map { $0["reason"] as? String } == ["malformed_record", "malformed_record", "malformed_record"])
        #expect(letters.map { $0["record"] as? Int } == [2, 3, 4])
        #expect(letters.map { $0["detail"] as? String } == [
            "expected 5 fields (sensor_id,ts,temp,humidity,status), found 4",
            "expected 5 fields (sensor_id,ts,temp,humidity,status), found 6",
            "expected 5 fields (sensor_id,ts,temp,humidity,status), found 1",
        ])
        #expect(letters.map { $0["data"] as? String } == ["s01,1,1.5,2.5", "s02,2,1.5,2.5,ok,extra", "not a record"])
        #expect(letters.map { $0["offset"] as? Int } == [
            Int(offset(of: "s01", in: text)), Int(offset(of: "s02", in: text)), Int(offset(of: "not", in: text)),
        ])
        #expect(h.deadLetters.count(of: .malformedRecord) == 3)
        #expect(h.decoder.recordsRead == 4)
    }

    // MARK: Buffer boundaries

    @Test func finalRecordWithoutNewlineWaitsUnlessAtEnd() throws {
        let text = CSVHarness.header + "s01,1,1.5,2.5,ok\ns02,2,3.5,4.5,warn"
        let complete = (CSVHarness.header + "s01,1,1.5,2.5,ok\n").utf8.count

        let waiting = try CSVHarness()
        #expect(try waiting.decode(text, atEnd: false) == complete)
        #expect(waiting.batch.count == 1)
        #expect(waiting.decoder.bytesConsumed == Int64(complete))
        #expect(waiting.decoder.recordsRead == 1)
        // The same bytes again, now at the end of input: the tail record is decoded.
        let bytes = Array(text.utf8)
        #expect(try waiting.decode(bytes, from: complete, atEnd: true) == bytes.count - complete)
        #expect(waiting.batch.count == 2)
        #expect(waiting.string("status", 1) == "warn")
        #expect(waiting.batch.recordNumbers[1] == 3)
        #expect(waiting.decoder.bytesConsumed == Int64(bytes.count))

        let atEnd = try CSVHarness()
        #expect(try atEnd.decode(text, atEnd: true) == text.utf8.count)
        #expect(atEnd.batch.count == 2)
        #expect(atEnd.string("status", 1) == "warn")
        #expect(recordText(bytes, atEnd.batch, 1) == "s02,2,3.5,4.5,warn")
        #expect(try atEnd.letters().isEmpty)
    }

    @Test func stopsWhenTheBatchIsFullAndResumesAtTheNextRecord() throws {
        let h = try CSVHarness(capacity: 2)
        let lines = (1...5).map { "s0\($0),\($0),\($0).5,\($0)0,ok\n" }
        let text = CSVHarness.header + lines.joined()
        let bytes = Array(text.utf8)
        var start = 0
        var seen: [(String?, Int64?, Int64)] = []
        var calls = 0
        while start < bytes.count || calls == 0 {
            h.batch.reset()
            let consumed = try h.decode(bytes, from: start, atEnd: true)
            calls += 1
            for r in 0..<h.batch.count {
                seen.append((h.string("sensor_id", r), h.int("ts", r), h.batch.recordNumbers[r]))
                #expect(recordText(bytes, h.batch, r) + "\n" == lines[Int(h.int("ts", r)!) - 1])
            }
            if calls == 1 {
                // Header plus two records: exactly the bytes of those lines.
                #expect(consumed == (CSVHarness.header + lines[0] + lines[1]).utf8.count)
                #expect(h.batch.count == 2)
            }
            start += consumed
            #expect(h.decoder.bytesConsumed == Int64(start))
            if consumed == 0 { break }
        }
        #expect(calls == 3)
        #expect(seen.map(\.0) == ["s01", "s02", "s03", "s04", "s05"])
        #expect(seen.map(\.1) == [1, 2, 3, 4, 5])
        #expect(seen.map(\.2) == [2, 3, 4, 5, 6])
        #expect(h.decoder.recordsRead == 5)
    }

    @Test func recordLongerThanTheLimitIsRejectedOnceAndTheNextRecordDecodes() throws {
        let h = try CSVHarness(maxRecordBytes: 64)
        let long = "s99,1,1.5,2.5," + String(repeating: "x", count: 100)
        let text = CSVHarness.header + "s01,1,1.5,2.5,ok\n" + long + "\ns02,2,3.5,4.5,warn\n"
        try h.decode(text)
        #expect(h.batch.count == 2)
        #expect(h.string("sensor_id", 0) == "s01")
        #expect(h.string("sensor_id", 1) == "s02")
        #expect(h.batch.recordNumbers[1] == 4)
        #expect(h.batch.recordOffsets[1] == offset(of: "s02", in: text))
        let letters = try h.letters()
        #expect(letters.count == 1)
        #expect(letters.first?["reason"] as? String == "record_too_long")
        #expect(letters.first?["record"] as? Int == 3)
        #expect(letters.first?["offset"] as? Int == Int(offset(of: "s99", in: text)))
        #expect(h.decoder.recordsRead == 3)
        #expect(h.decoder.bytesConsumed == Int64(text.utf8.count))
    }

    @Test func overlongRecordSplitAcrossBuffersIsSkippedToItsNewline() throws {
        let h = try CSVHarness(maxRecordBytes: 64)
        let long = "s99,1,1.5,2.5," + String(repeating: "x", count: 200)
        let text = CSVHarness.header + long + "\ns02,2,3.5,4.5,warn\n"
        let bytes = Array(text.utf8)
        // First buffer: the header and 100 bytes of the long record.
        let firstEnd = CSVHarness.header.utf8.count + 100
        let consumed = try h.decode(Array(bytes[..<firstEnd]), atEnd: false)
        #expect(consumed == firstEnd)
        // Then the rest of it (still no newline), then the remainder.
        let secondEnd = CSVHarness.header.utf8.count + 180
        #expect(try h.decode(Array(bytes[..<secondEnd]), from: firstEnd, atEnd: false) == secondEnd - firstEnd)
        try h.decode(bytes, from: secondEnd, atEnd: true)
        #expect(h.batch.count == 1)
        #expect(h.string("sensor_id", 0) == "s02")
        #expect(h.batch.recordNumbers[0] == 3)
        #expect(try h.reasons() == ["record_too_long"])
        #expect(h.decoder.bytesConsumed == Int64(bytes.count))
    }

    // MARK: Keys and provenance

    @Test func keyColumnsGetDictionaryIDs() throws {
        let h = try CSVHarness()
        let long = "sensor-with-a-long-identifier"
        try h.decode(CSVHarness.header + """
            s01,1,1,1,ok
            s02,2,2,2,ok
            "s01",3,3,3,ok
            \(long),4,4,4,ok
            s02,5,5,5,ok
            "\(long)",6,6,6,ok
            s0,7,7,7,ok
            "",8,8,8,ok

            """)
        #expect(h.batch.count == 8)
        let ids = try #require(h.column("sensor_id").keyIDs)
        #expect(ids[0] == ids[2])
        #expect(ids[1] == ids[4])
        #expect(ids[3] == ids[5])
        #expect(Set([ids[0], ids[1], ids[3], ids[6], ids[7]]).count == 5)
        for r in 0..<8 {
            #expect(h.keys.key(ids[r]) == h.string("sensor_id", r), "row \(r)")
        }
        #expect(h.keys.key(ids[3]) == long)
        #expect(h.keys.count == 5)
    }

    @Test func provenanceIsPhysicalLineAndByteOffset() throws {
        let h = try CSVHarness()
        let text = CSVHarness.header + "s01,1,1.5,2.5,ok\n\ns02,2,3.5,4.5,warn\r\ns03,3,5.5,6.5,ok\n"
        let bytes = Array(text.utf8)
        try h.decode(bytes)
        #expect(h.batch.count == 3)
        #expect((0..<3).map { h.batch.recordNumbers[$0] } == [2, 4, 5])
        #expect((0..<3).map { h.batch.recordOffsets[$0] } == [
            offset(of: "s01", in: text), offset(of: "s02", in: text), offset(of: "s03", in: text),
        ])
        #expect((0..<3).map { recordText(bytes, h.batch, $0) } == ["s01,1,1.5,2.5,ok", "s02,2,3.5,4.5,warn", "s03,3,5.5,6.5,ok"])
        #expect(h.decoder.recordsRead == 3)  // the header and the blank line are not records
        #expect(h.decoder.bytesConsumed == Int64(bytes.count))
    }

    // MARK: Regressions: RFC 4180 record scanning (quoted newlines, over-long quoted records, stray quotes)

    /// A record whose quoted field spans lines occupies several physical lines; the records after
    /// it must still report their own line numbers (in rows and in dead letters).
    @Test func lineNumbersCountNewlinesInsideQuotedFields() throws {
        let h = try CSVHarness()
        let text = CSVHarness.header + "s01,1,1.5,2.5,\"two\nlines\"\ns02,2,3.5,4.5,ok\ns03,3,bad,4.5,ok\n"
        try h.decode(text)
        #expect(h.batch.count == 2)
        #expect(h.batch.recordNumbers[0] == 2)
        #expect(h.batch.recordNumbers[1] == 4)  // s02 is on line 4 of the file
        #expect(try h.letters().first?["record"] as? Int == 5)  // s03 is on line 5
    }

    /// `maxRecordBytes` must hold for records with quoted fields too, not only when the record
    /// happens not to fit the buffer.
    @Test func quotedRecordLongerThanTheLimitIsRejected() throws {
        let h = try CSVHarness(maxRecordBytes: 64)
        let long = "s99,1,1.5,2.5,\"" + String(repeating: "x", count: 30) + "\n" + String(repeating: "y", count: 70) + "\""
        try h.decode(CSVHarness.header + long + "\ns02,2,3.5,4.5,ok\n")
        #expect(try h.reasons() == ["record_too_long"])
        #expect(h.batch.count == 1)
        #expect(h.string("sensor_id", 0) == "s02")
    }

    /// An overlong quoted record rejected at a buffer boundary must be skipped to its real end
    /// (the newline after its closing quote), not resumed at a newline inside its quoted field.
    /// `firstLine` is the length of the record's first physical line: 115 takes the path for a
    /// first line longer than the limit, 35 the path for a quoted record still open at the end of
    /// the buffer.
    @Test(arguments: [115, 35])
    func overlongQuotedRecordAcrossBuffersIsSkippedWhole(firstLine: Int) throws {
        let h = try CSVHarness(maxRecordBytes: 64)
        let long = "s99,1,1.5,2.5,\"" + String(repeating: "x", count: firstLine - 15) + "\n"
            + String(repeating: "y", count: 100) + "\nmore text\""
        let text = CSVHarness.header + long + "\ns02,2,3.5,4.5,ok\ns03,3,5.5,6.5,ok\n"
        let bytes = Array(text.utf8)
        let firstEnd = CSVHarness.header.utf8.count + 90  // inside the quoted field, more than 64 bytes in
        let consumed = try h.decode(Array(bytes[..<firstEnd]), atEnd: false)
        try h.decode(bytes, from: consumed, atEnd: true)
        #expect(try h.reasons() == ["record_too_long"])
        #expect(try h.letters().first?["record"] as? Int == 2)
        #expect((0..<h.batch.count).map { h.string("sensor_id", $0) } == ["s02", "s03"])
        // The skipped record spans lines 2 to 4.
        #expect((0..<h.batch.count).map { h.batch.recordNumbers[$0] } == [5, 6])
        #expect((0..<h.batch.count).map { h.batch.recordOffsets[$0] } == [offset(of: "s02", in: text), offset(of: "s03", in: text)])
        #expect(h.decoder.recordsRead == 3)
        #expect(h.decoder.bytesConsumed == Int64(bytes.count))
    }

    /// A stray quote inside an unquoted field is kept as data by the field parser, but the
    /// record-end search treats it as opening a quoted field and swallows the following lines.
    @Test func strayQuoteInsideAnUnquotedFieldDoesNotSwallowFollowingRecords() throws {
        let h = try CSVHarness()
        try h.decode(CSVHarness.header + "s01,1,1.5,2.5,5\" tall\ns02,2,3.5,4.5,ok\ns03,3,5.5,6.5,ok\n")
        #expect((0..<h.batch.count).map { h.string("sensor_id", $0) } == ["s01", "s02", "s03"])
        #expect(h.string("status", 0) == "5\" tall")
    }
}
