import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// A decoder, a batch and a dead-letter capture for the canonical sensor schema.
private final class Harness {
    let schema: Schema
    let keys = KeyDictionary()
    let batch: Batch
    let sink = MemoryByteSink()
    let deadLetters: DeadLetters
    let decoder = NDJSONDecoder()

    init(schema: Schema = Harness.sensorSchema, capacity: Int = 64, keyField: String = "sensor_id") throws {
        self.schema = schema
        batch = Batch(schema: schema, capacity: capacity, dictionaries: [keyField: keys])
        deadLetters = DeadLetters(sink: sink)
        decoder.sourceName = "test.ndjson"
        try decoder.open(schema: schema)
    }

    static let sensorSchema = Schema([
        Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64),
        Field("humidity", .float64), Field("status", .string),
    ])

    /// Decodes `text` (recordBytes nil: positions are relative to the buffer start) and returns the bytes consumed.
    @discardableResult
    func decode(_ text: String, atEnd: Bool = true) throws -> Int {
        try decode(Array(text.utf8), atEnd: atEnd)
    }

    @discardableResult
    func decode(_ bytes: [UInt8], atEnd: Bool = true) throws -> Int {
        batch.recordBytes = nil
        // Copy into an exactly sized allocation so reading past the end would be caught by sanitizers.
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        defer { buffer.deallocate() }
        buffer.initialize(from: bytes, count: bytes.count)
        return try decoder.decode(buffer, count: bytes.count, atEnd: atEnd, into: batch, deadLetters: deadLetters)
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

    /// The dead-letter lines written so far, parsed.
    func letters() throws -> [[String: Any]] {
        try deadLetters.flush()
        return try sink.text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

private let canonical = """
    {"sensor_id":"s0639","ts":1700000000000,"temp":27.34,"humidity":22.32,"status":"ok"}
    {"sensor_id":"s0007","ts":1700000000001,"temp":null,"humidity":-3.5e1,"status":"warn"}
    {"sensor_id":"s0639","ts":-42,"temp":0,"humidity":1E2,"status":""}

    """

@Suite struct NDJSONDecoderTests {
    @Test func decodesCanonicalRecords() throws {
        let h = try Harness()
        let bytes = Array(canonical.utf8)
        let consumed = try h.decode(bytes, atEnd: false)
        #expect(consumed == bytes.count)
        #expect(h.batch.count == 3)
        #expect(h.decoder.recordsRead == 3)
        #expect(h.decoder.bytesConsumed == Int64(bytes.count))
        #expect(h.deadLetters.total == 0)

        #expect(h.string("sensor_id", 0) == "s0639")
        #expect(h.int("ts", 0) == 1_700_000_000_000)
        #expect(h.double("temp", 0) == 27.34)
        #expect(h.double("humidity", 0) == 22.32)
        #expect(h.string("status", 0) == "ok")

        #expect(h.string("sensor_id", 1) == "s0007")
        #expect(h.int("ts", 1) == 1_700_000_000_001)
        #expect(h.double("temp", 1) == nil)
        #expect(h.double("humidity", 1) == -35)
        #expect(h.string("status", 1) == "warn")

        #expect(h.int("ts", 2) == -42)
        #expect(h.double("temp", 2) == 0)
        #expect(h.double("humidity", 2) == 100)
        #expect(h.string("status", 2) == "")  // an empty string is a value, not null

        let ids = try #require(h.column("sensor_id").keyIDs)
        #expect(ids[0] == ids[2])
        #expect(ids[0] != ids[1])
        #expect(h.keys.key(ids[0]) == "s0639")
        #expect(h.keys.key(ids[1]) == "s0007")
        #expect(h.keys.count == 2)
    }

    @Test func recordsProvenance() throws {
        let h = try Harness()
        let lines = canonical.split(separator: "\n").map { Array($0.utf8) }
        try h.decode(canonical)
        var offset = 0
        for row in 0..<3 {
            #expect(h.batch.recordNumbers[row] == Int64(row + 1))
            #expect(h.batch.recordOffsets[row] == Int64(offset))
            #expect(h.batch.recordStarts[row] == offset)  // recordBytes nil: relative to the buffer
            #expect(h.batch.recordLengths[row] == Int32(lines[row].count))  // without the newline
            offset += lines[row].count + 1
        }
    }

    @Test func recordStartsAreRelativeToRecordBytes() throws {
        let h = try Harness()
        let text = Array("xxxxxxxxxx{\"ts\":1}\n{\"ts\":2}\n".utf8)
        try text.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            h.batch.recordBytes = UnsafeRawPointer(base)
            let consumed = try h.decoder.decode(base + 10, count: buf.count - 10, atEnd: true, into: h.batch, deadLetters: h.deadLetters)
            #expect(consumed == buf.count - 10)
            #expect(h.batch.count == 2)
            #expect(h.batch.recordStarts[0] == 10)
            #expect(h.batch.recordStarts[1] == 19)
            #expect(String(decoding: h.batch.recordText(1), as: UTF8.self) == "{\"ts\":2}")
        }
    }

    @Test func keysInAnyOrderAndUnknownKeysSkipped() throws {
        let h = try Harness()
        try h.decode("""
            {"sensor_id":"a","ts":1,"temp":1.5,"humidity":2.5,"status":"ok"}
            {"status":"late","extra":{"nested":[1,{"x":"}]\\""},[],{}],"s":"}"},"humidity":9,"sensor_id":"b","ts":2,"temp":3.25}
            { "ts" : 3 , "tags" : [ "a" , true , null , -1.5e-3 ] , "sensor_id" : "a" , "meta" : { } }
            {"sensor_id":"c","ts":4,"temp":5.5,"humidity":6.5,"status":"ok","z":"\\u00e9\\\\"}
            {"sensor_id":"d","ts_ms":5,"temp":7.5}

            """)
        #expect(h.deadLetters.total == 0)
        #expect(h.batch.count == 5)
        #expect(h.string("status", 1) == "late")
        #expect(h.double("humidity", 1) == 9)
        #expect(h.string("sensor_id", 1) == "b")
        #expect(h.int("ts", 1) == 2)
        #expect(h.double("temp", 1) == 3.25)
        // Fields absent from the object are null.
        #expect(h.int("ts", 2) == 3)
        #expect(h.string("sensor_id", 2) == "a")
        #expect(h.double("temp", 2) == nil)
        #expect(h.double("humidity", 2) == nil)
        #expect(h.string("status", 2) == nil)
        // Back to the usual order after the hints were retrained.
        #expect(h.string("sensor_id", 3) == "c")
        #expect(h.double("humidity", 3) == 6.5)
        #expect(h.string("status", 3) == "ok")
        // A key that starts with the name of the field hinted at its position is another key.
        #expect(h.int("ts", 4) == nil)
        #expect(h.double("temp", 4) == 7.5)
        let ids = try #require(h.column("sensor_id").keyIDs)
        #expect(ids[0] == ids[2])
    }

    @Test func unescapesStringsAndKeys() throws {
        let h = try Harness()
        try h.decode(#"""
            {"sensor_id":"caf\u00e9","status":"q\"b\\s\/n\nt\tr\rb\bf\f"}
            {"sensor_id":"\ud83d\ude00x","st\u0061tus":"\u20ac"}
            {"sensor_id":"café","status":"lone \ud800 and \udc00"}
            {"sensor_id":"\ud83d\ude00x","status":"é\"日本"}
            """#)
        #expect(h.deadLetters.total == 0)
        #expect(h.batch.count == 4)
        #expect(h.string("sensor_id", 0) == "café")
        #expect(h.string("status", 0) == "q\"b\\s/n\nt\tr\rb\u{08}f\u{0C}")
        #expect(h.string("sensor_id", 1) == "😀x")
        #expect(h.string("status", 1) == "€")  // the escaped key matched its field
        #expect(h.string("status", 2) == "lone \u{FFFD} and \u{FFFD}")
        #expect(h.string("status", 3) == "é\"日本")
        // The same key written escaped or not interns to the same id.
        let ids = try #require(h.column("sensor_id").keyIDs)
        #expect(ids[0] == ids[2])
        #expect(ids[1] == ids[3])
        #expect(ids[0] != ids[1])
        #expect(h.keys.key(ids[1]) == "😀x")
    }

    @Test func handlesCRLFAndBlankLines() throws {
        let h = try Harness()
        let text = "\r\n{\"ts\":1}\r\n\n   \r\n{\"ts\":2}\r\n\r\n"
        let consumed = try h.decode(text, atEnd: false)
        #expect(consumed == text.utf8.count)
        #expect(h.batch.count == 2)
        #expect(h.int("ts", 0) == 1)
        #expect(h.int("ts", 1) == 2)
        #expect(h.batch.recordNumbers[0] == 2)
        #expect(h.batch.recordNumbers[1] == 5)
        #expect(h.batch.recordOffsets[1] == 18)
        #expect(h.batch.recordLengths[0] == 8)  // without "\r\n"
        #expect(h.decoder.recordsRead == 2)  // blank and whitespace-only lines are lines, not records
        #expect(h.deadLetters.total == 0)
    }

    @Test func partialFinalRecordWaitsUnlessAtEnd() throws {
        let h = try Harness()
        let text = "{\"ts\":1}\n{\"ts\":2}"
        let consumed = try h.decode(text, atEnd: false)
        #expect(consumed == 9)
        #expect(h.batch.count == 1)
        #expect(h.decoder.recordsRead == 1)
        #expect(h.decoder.bytesConsumed == 9)

        let consumedAtEnd = try h.decode("{\"ts\":2}", atEnd: true)
        #expect(consumedAtEnd == 8)
        #expect(h.batch.count == 2)
        #expect(h.int("ts", 1) == 2)
        #expect(h.batch.recordNumbers[1] == 2)
        #expect(h.batch.recordOffsets[1] == 9)
        #expect(h.decoder.bytesConsumed == 17)
        #expect(h.deadLetters.total == 0)
    }

    @Test func truncatedFinalRecordAtEndIsMalformed() throws {
        let h = try Harness()
        try h.decode("{\"ts\":1}\n{\"ts\":2", atEnd: true)
        #expect(h.batch.count == 1)
        #expect(h.deadLetters.count(of: .malformedRecord) == 1)
        #expect(h.decoder.recordsRead == 2)
    }

    @Test func stopsWhenBatchIsFullAndResumes() throws {
        let h = try Harness(capacity: 2)
        let text = "{\"ts\":1}\n\n{\"ts\":2}\n{\"ts\":3}\n"
        let consumed = try h.decode(text, atEnd: true)
        #expect(consumed == 19)  // two records and the blank line between them
        #expect(h.batch.count == 2)
        #expect(h.decoder.recordsRead == 2)

        h.batch.reset()
        let rest = try h.decode(String(text.dropFirst(consumed)), atEnd: true)
        #expect(rest == 9)
        #expect(h.batch.count == 1)
        #expect(h.int("ts", 0) == 3)
        #expect(h.batch.recordNumbers[0] == 4)
        #expect(h.batch.recordOffsets[0] == 19)
        #expect(h.decoder.bytesConsumed == Int64(text.utf8.count))
    }

    @Test func staleValuesDoNotLeakAcrossBatches() throws {
        let h = try Harness()
        try h.decode(#"{"sensor_id":"a","ts":1,"temp":1.5,"humidity":2.5,"status":"ok"}"#)
        #expect(h.string("status", 0) == "ok")
        h.batch.reset()
        try h.decode(#"{"ts":2}"#)
        #expect(h.batch.count == 1)
        #expect(h.int("ts", 0) == 2)
        #expect(h.string("sensor_id", 0) == nil)
        #expect(h.double("temp", 0) == nil)
        #expect(h.double("humidity", 0) == nil)
        #expect(h.string("status", 0) == nil)
    }

    @Test func leavesExtraBatchColumnsAlone() throws {
        // A plan's input batch has slots for derived fields after the input fields.
        let decoder = NDJSONDecoder()
        try decoder.open(schema: Harness.sensorSchema)
        var fields = Harness.sensorSchema.fields
        fields.append(Field("derived", .float64))
        let batch = Batch(schema: Schema(fields), capacity: 4)
        let derived = batch.columns[5]
        derived.float64[0] = 12.5
        derived.validity[0] = 1
        let deadLetters = DeadLetters(sink: nil)
        let text = Array("{\"ts\":1,\"derived\":99}\n".utf8)
        let consumed = try text.withUnsafeBufferPointer {
            try decoder.decode($0.baseAddress!, count: $0.count, atEnd: true, into: batch, deadLetters: deadLetters)
        }
        #expect(consumed == text.count)
        #expect(batch.count == 1)
        #expect(batch.columns[1].int64[0] == 1)
        #expect(batch.columns[1].isValid(0))
        #expect(!batch.columns[0].isValid(0))
        #expect(derived.float64[0] == 12.5)  // "derived" is not an input field: skipped, slot untouched
        #expect(derived.isValid(0))
    }

    @Test func emptyObjectDuplicateKeysAndByteOrderMark() throws {
        let h = try Harness()
        try h.decode([0xEF, 0xBB, 0xBF] + Array("{\"ts\":5}\n{}\n{\"ts\":1,\"temp\":2.5,\"ts\":7,\"temp\":null}\n".utf8))
        #expect(h.deadLetters.total == 0)
        #expect(h.batch.count == 3)
        #expect(h.int("ts", 0) == 5)
        #expect(h.batch.recordLengths[0] == 11)  // the record includes the byte order mark
        #expect(h.int("ts", 1) == nil)
        #expect(h.int("ts", 2) == 7)  // the last value wins
        #expect(h.double("temp", 2) == nil)
    }

    @Test func decodesBoolsAndLongNames() throws {
        let schema = Schema([Field("a_rather_long_field_name", .bool), Field("k", .string), Field("flag", .bool)])
        let h = try Harness(schema: schema, keyField: "k")
        try h.decode("""
            {"a_rather_long_field_name":true,"k":"x","flag":false}
            {"a_rather_long_field_nam":1,"a_rather_long_field_name":false,"flag":null}
            {"flag":"true"}
            """)
        #expect(h.batch.count == 2)
        let a = h.column("a_rather_long_field_name")
        #expect(a.isValid(0) && a.bools[0] == 1)
        #expect(a.isValid(1) && a.bools[1] == 0)
        let flag = h.column("flag")
        #expect(flag.isValid(0) && flag.bools[0] == 0)
        #expect(!flag.isValid(1))
        #expect(h.deadLetters.count(of: .invalidValue) == 1)
    }

    static let malformed: [(line: String, detail: String)] = [
        ("not json", "expected a JSON object"),
        ("[1,2]", "expected a JSON object"),
        ("\"str\"", "expected a JSON object"),
        ("{\"ts\":1", "unterminated object"),
        ("{\"ts\":1,}", "expected a key string"),
        ("{ts:1}", "expected a key string"),
        ("{\"ts\" 1}", "expected ':'"),
        ("{\"ts\":}", "expected a value"),
        ("{\"ts\":1 \"temp\":2}", "expected ',' or '}'"),
        ("{\"ts\":1} x", "unexpected bytes after the object"),
        ("{\"ts\":1}{}", "unexpected bytes after the object"),
        ("{\"sensor_id\":\"abc}", "unterminated string"),
        ("{\"sens", "unterminated string"),
        ("{\"sensor_id\":\"a\\qb\"}", "invalid escape"),
        ("{\"sensor_id\":\"\\u12\"}", "invalid \\u escape"),
        ("{\"sensor_id\":\"a\tb\"}", "control character"),
        ("{\"ts\":-}", "invalid number"),
        ("{\"temp\":1.}", "invalid number"),
        ("{\"temp\":.5}", "expected a value"),
        ("{\"temp\":1e}", "invalid number"),
        ("{\"temp\":+1}", "expected a value"),
        ("{\"ts\":12abc}", "expected ',' or '}'"),
        ("{\"temp\":tru}", "invalid literal"),
        ("{\"temp\":nul}", "invalid literal"),
        ("{\"x\":{\"a\":[1,2}}", "expected ',' or ']'"),
        ("{\"x\":[1,2", "unterminated array"),
        ("{\"x\":{\"a\" 1}}", "expected ':'"),
        ("{\"x\":\"\\", "unterminated string"),
        // Malformed wins over a wrong type found earlier in the record.
        ("{\"ts\":\"1\",\"temp\":}", "expected a value"),
        (String(repeating: "[", count: 300), "expected a JSON object"),
        ("{\"x\":" + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}", "nesting too deep"),
    ]

    @Test(arguments: Self.malformed)
    func rejectsMalformedRecords(_ testCase: (line: String, detail: String)) throws {
        let h = try Harness()
        try h.decode("{\"ts\":1}\n\(testCase.line)\n{\"ts\":3}\n")
        #expect(h.deadLetters.count(of: .malformedRecord) == 1)
        #expect(h.deadLetters.total == 1)
        #expect(h.batch.count == 2)  // the records around it decode
        #expect(h.int("ts", 1) == 3)
        #expect(h.batch.recordNumbers[1] == 3)
        #expect(h.decoder.recordsRead == 3)
        let letter = try #require(try h.letters().first)
        #expect(letter["reason"] as? String == "malformed_record")
        #expect(letter["record"] as? Int == 2)
        #expect(letter["offset"] as? Int == 9)
        #expect(letter["source"] as? String == "test.ndjson")
        #expect(letter["data"] as? String == testCase.line)
        let detail = try #require(letter["detail"] as? String)
        #expect(detail.contains(testCase.detail), "detail: \(detail)")
        #expect(detail.contains("at column "), "detail: \(detail)")
    }

    @Test func malformedDetailGivesTheColumn() throws {
        let h = try Harness()
        try h.decode("{\"ts\":1,\"temp\":x}")
        let letter = try #require(try h.letters().first)
        #expect(letter["detail"] as? String == "expected a value at column 16")
    }

    static let invalid: [(line: String, value: String, detail: String)] = [
        (#"{"ts":"1700"}"#, #""1700""#, "field 'ts' expects int64, found a string"),
        (#"{"ts":1.5}"#, "1.5", "field 'ts' expects int64, found a number with a fraction or exponent"),
        (#"{"ts":1e3}"#, "1e3", "field 'ts' expects int64, found a number with a fraction or exponent"),
        (#"{"ts":99999999999999999999}"#, "99999999999999999999", "field 'ts' expects int64, found a number that does not fit in int64"),
        (#"{"temp":"27.3"}"#, #""27.3""#, "field 'temp' expects float64, found a string"),
        (#"{"temp":true}"#, "true", "field 'temp' expects float64, found a boolean"),
        (#"{"temp":1e999}"#, "1e999", "field 'temp' expects float64, found a number that does not fit in float64"),
        (#"{"humidity":[1, 2]}"#, "[1, 2]", "field 'humidity' expects float64, found an array"),
        (#"{"sensor_id":12}"#, "12", "field 'sensor_id' expects string, found a number"),
        (#"{"status":{"a":"b"}}"#, #"{"a":"b"}"#, "field 'status' expects string, found an object"),
        // The first wrong value is reported.
        (#"{"ts":"x","temp":"y"}"#, #""x""#, "field 'ts' expects int64, found a string"),
    ]

    @Test(arguments: Self.invalid)
    func rejectsValuesOfTheWrongType(_ testCase: (line: String, value: String, detail: String)) throws {
        let h = try Harness()
        try h.decode("\(testCase.line)\n{\"ts\":2}")
        #expect(h.deadLetters.count(of: .invalidValue) == 1)
        #expect(h.deadLetters.total == 1)
        #expect(h.batch.count == 1)
        #expect(h.int("ts", 0) == 2)
        #expect(h.batch.recordNumbers[0] == 2)
        let letter = try #require(try h.letters().first)
        #expect(letter["reason"] as? String == "invalid_value")
        #expect(letter["record"] as? Int == 1)
        #expect(letter["value"] as? String == testCase.value)
        #expect(letter["detail"] as? String == testCase.detail)
        #expect(letter["data"] as? String == testCase.line)
    }

    @Test func invalidValueIsTruncated() throws {
        let h = try Harness()
        let long = String(repeating: "x", count: 1000)
        try h.decode("{\"temp\":\"\(long)\"}")
        let letter = try #require(try h.letters().first)
        #expect((letter["value"] as? String)?.utf8.count == 256)
    }

    @Test func rejectsOverlongRecordAcrossDecodeCalls() throws {
        let h = try Harness()
        h.decoder.maxRecordBytes = 32
        let long = "{\"status\":\"" + String(repeating: "y", count: 100) + "\"}\n"
        let full = Array(long.utf8) + Array("{\"ts\":9}\n".utf8)

        // The first call sees only part of the long record, but more than the limit.
        let first = try h.decode(Array(full[0..<50]), atEnd: false)
        #expect(first == 50)
        #expect(h.deadLetters.count(of: .recordTooLong) == 1)
        #expect(h.batch.count == 0)

        let second = try h.decode(Array(full[50...]), atEnd: true)
        #expect(second == full.count - 50)
        #expect(h.deadLetters.count(of: .recordTooLong) == 1)
        #expect(h.deadLetters.total == 1)
        #expect(h.batch.count == 1)
        #expect(h.int("ts", 0) == 9)
        #expect(h.batch.recordNumbers[0] == 2)
        #expect(h.batch.recordOffsets[0] == Int64(long.utf8.count))
        #expect(h.decoder.recordsRead == 2)
        #expect(h.decoder.bytesConsumed == Int64(full.count))

        let letter = try #require(try h.letters().first)
        #expect(letter["reason"] as? String == "record_too_long")
        #expect(letter["record"] as? Int == 1)
        #expect(letter["offset"] as? Int == 0)
        #expect((letter["data"] as? String)?.hasPrefix("{\"status\":\"yyy") == true)
    }

    @Test func recordOfExactlyMaxBytesIsAccepted() throws {
        let h = try Harness()
        let line = "{\"ts\":12345}"
        h.decoder.maxRecordBytes = line.utf8.count
        try h.decode(line + "\n" + line + "\n", atEnd: false)
        #expect(h.batch.count == 2)
        #expect(h.deadLetters.total == 0)
    }

    @Test func decodesManyGeneratedRecords() throws {
        let h = try Harness(capacity: 4096)
        var text = ""
        for i in 0..<3000 {
            let temp = i % 7 == 0 ? "null" : "\(Double(i % 500) / 10 - 10)"
            text += "{\"sensor_id\":\"s\(String(i % 50))\",\"ts\":\(1_700_000_000_000 + i),\"temp\":\(temp),\"humidity\":\(Double(i % 1000) / 10),\"status\":\"ok\"}\n"
        }
        try h.decode(text)
        #expect(h.batch.count == 3000)
        #expect(h.keys.count == 50)
        let ids = try #require(h.column("sensor_id").keyIDs)
        for i in [0, 1, 49, 50, 777, 2999] {
            #expect(h.keys.key(ids[i]) == "s\(i % 50)")
            #expect(h.int("ts", i) == 1_700_000_000_000 + Int64(i))
            #expect(h.double("temp", i) == (i % 7 == 0 ? nil : Double(i % 500) / 10 - 10))
            #expect(h.double("humidity", i) == Double(i % 1000) / 10)
        }
    }
}
