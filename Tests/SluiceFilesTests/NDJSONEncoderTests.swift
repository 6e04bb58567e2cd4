import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// A batch holding `rows`, every row selected.
private func makeBatch(_ schema: Schema, _ rows: [[Value]]) -> Batch {
    let batch = Batch(schema: schema, capacity: max(1, rows.count))
    for (r, row) in rows.enumerated() {
        for (slot, value) in row.enumerated() {
            precondition(value.store(into: batch.columns[slot], row: r, arena: batch.arena), "\(value) does not fit \(schema.fields[slot])")
        }
    }
    batch.count = rows.count
    batch.selectAll()
    return batch
}

private func encode(_ schema: Schema, _ batch: Batch, slots: [Int]? = nil) throws -> (lines: [String], written: Int64, text: String) {
    let sink = MemoryByteSink()
    let encoder = NDJSONEncoder(sink: sink)
    try encoder.open(schema: schema)
    try encoder.write(batch, slots: slots ?? Array(0..<batch.schema.count))
    try encoder.close()
    #expect(sink.text.isEmpty || sink.text.hasSuffix("}\n"))
    return (sink.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), encoder.recordsWritten, sink.text)
}

private func object(_ line: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
}

@Suite struct NDJSONEncoderTests {
    @Test func oneObjectPerLineWithFieldsInSlotOrder() throws {
        let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64), Field("ok", .bool)])
        let batch = makeBatch(schema, [["s1", 1_700_000_000_000, 27.5, true], ["s2", -3, -0.25, false]])
        let (lines, written, _) = try encode(schema, batch)
        #expect(lines == [
            "{\"sensor_id\":\"s1\",\"ts\":1700000000000,\"temp\":27.5,\"ok\":true}",
            "{\"sensor_id\":\"s2\",\"ts\":-3,\"temp\":-0.25,\"ok\":false}",
        ])
        #expect(written == 2)
    }

    @Test func nullAndNonFiniteDoublesAreNull() throws {
        let schema = Schema([Field("i", .int64), Field("d", .float64), Field("b", .bool), Field("s", .string)])
        let batch = makeBatch(schema, [
            [nil, nil, nil, nil],
            [1, .double(.nan), true, ""],
            [2, .double(.infinity), false, "x"],
            [3, .double(-.infinity), nil, nil],
            [4, .double(.signalingNaN), nil, nil],
        ])
        let (lines, _, _) = try encode(schema, batch)
        #expect(lines == [
            "{\"i\":null,\"d\":null,\"b\":null,\"s\":null}",
            "{\"i\":1,\"d\":null,\"b\":true,\"s\":\"\"}",
            "{\"i\":2,\"d\":null,\"b\":false,\"s\":\"x\"}",
            "{\"i\":3,\"d\":null,\"b\":null,\"s\":null}",
            "{\"i\":4,\"d\":null,\"b\":null,\"s\":null}",
        ])
        for line in lines { _ = try object(line) }
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() throws {
        let schema = Schema([Field("s", .string)])
        let values = [
            "say \"hi\"", "back\\slash", "new\nline", "cr\rhere", "tab\there", "\u{01}\u{08}\u{0C}\u{1F}",
            "\u{00}nul", "del\u{7F}", "ünïcödé ✓ 🚀", "</script>", "",
        ]
        let (lines, _, _) = try encode(schema, makeBatch(schema, values.map { [.string($0)] }))
        #expect(lines.count == values.count)
        #expect(lines[0] == #"{"s":"say \"hi\""}"#)
        #expect(lines[1] == #"{"s":"back\\slash"}"#)
        #expect(lines[2] == #"{"s":"new\nline"}"#)
        #expect(lines[3] == #"{"s":"cr\rhere"}"#)
        #expect(lines[4] == #"{"s":"tab\there"}"#)
        #expect(lines[5] == #"{"s":"\u0001\u0008\u000c\u001f"}"#)
        #expect(lines[6] == #"{"s":"\u0000nul"}"#)
        // No raw control character (below 0x20) is left in the output.
        for line in lines { #expect(!line.utf8.contains { $0 < 0x20 }, "\(line)") }
        // Every line is valid JSON and parses back to the original string.
        for (line, value) in zip(lines, values) {
            #expect(try object(line)["s"] as? String == value)
        }
    }

    @Test func escapesFieldNames() throws {
        let schema = Schema([Field("a\"b", .int64), Field("back\\slash", .int64), Field("tab\tname", .int64)])
        let (lines, _, _) = try encode(schema, makeBatch(schema, [[1, 2, 3]]))
        #expect(lines == [#"{"a\"b":1,"back\\slash":2,"tab\tname":3}"#])
        let o = try object(lines[0])
        #expect(o["a\"b"] as? Int == 1)
        #expect(o["back\\slash"] as? Int == 2)
        #expect(o["tab\tname"] as? Int == 3)
    }

    @Test func integersIncludingTheExtremes() throws {
        let schema = Schema([Field("i", .int64)])
        let ints: [Int64] = [0, 9, 10, -1, -9, -10, 1_700_000_000_000, Int64.max, Int64.min, Int64.min + 1]
        let (lines, _, _) = try encode(schema, makeBatch(schema, ints.map { [.int($0)] }))
        #expect(lines == ints.map { "{\"i\":\($0)}" })
        #expect(lines[8] == "{\"i\":-9223372036854775808}")
    }

    @Test func doublesRoundTripExactly() throws {
        let schema = Schema([Field("d", .float64)])
        let (lines, _, _) = try encode(schema, makeBatch(schema, trickyDoubles.map { [.double($0)] }))
        #expect(lines.count == trickyDoubles.count)
        for (line, value) in zip(lines, trickyDoubles) {
            #expect(line.hasPrefix("{\"d\":") && line.hasSuffix("}"))
            let text = String(line.dropFirst(5).dropLast())
            let parsed = try #require(Double(text), "'\(text)' does not parse")
            #expect(parsed.bitPattern == value.bitPattern, "\(value) written as '\(text)'")
            // JSON number syntax: no leading '+', no bare 'inf'/'nan', digits around the point.
            #expect(text.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil, "'\(text)' is not a JSON number")
            _ = try object(line)
        }
    }

    @Test func writesOnlySelectedRows() throws {
        let schema = Schema([Field("i", .int64), Field("s", .string)])
        let batch = makeBatch(schema, (0..<5).map { [.int(Int64($0)), .string("r\($0)")] })
        batch.selection[0] = 0
        batch.selection[1] = 3
        batch.selectedCount = 2
        let out = Schema([Field("s", .string)])
        let (lines, written, _) = try encode(out, batch, slots: [1])
        #expect(lines == [#"{"s":"r0"}"#, #"{"s":"r3"}"#])
        #expect(written == 2)
    }

    @Test func nothingSelectedWritesNothing() throws {
        let schema = Schema([Field("i", .int64)])
        let batch = makeBatch(schema, [[1]])
        batch.selectedCount = 0
        let (lines, written, text) = try encode(schema, batch)
        #expect(lines.isEmpty)
        #expect(text.isEmpty)
        #expect(written == 0)
    }

    @Test func outputReadsBackThroughTheNDJSONDecoder() throws {
        let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64), Field("ok", .bool)])
        let rows: [[Value]] = trickyDoubles.enumerated().map { i, d in
            [.string("s\"\(i)\\\n\u{01}"), .int(Int64(i) - 5), .double(d), i % 3 == 0 ? nil : .bool(i % 2 == 0)]
        }
        let (_, _, text) = try encode(schema, makeBatch(schema, rows))
        let decoder = NDJSONDecoder()
        try decoder.open(schema: schema)
        let batch = Batch(schema: schema, capacity: 256)
        let letters = DeadLetters(sink: nil)
        let bytes = Array(text.utf8)
        _ = try bytes.withUnsafeBufferPointer {
            try decoder.decode($0.baseAddress!, count: $0.count, atEnd: true, into: batch, deadLetters: letters)
        }
        #expect(letters.total == 0)
        #expect(batch.count == rows.count)
        for r in 0..<min(batch.count, rows.count) {
            for (slot, want) in rows[r].enumerated() {
                let got = Value(batch.columns[slot], row: r, arena: batch.arena)
                if case .double(let w) = want, case .double(let g) = got {
                    #expect(g.bitPattern == w.bitPattern, "row \(r): \(w) read back as \(g)")
                } else {
                    #expect(got == want, "row \(r) field \(schema.fields[slot].name)")
                }
            }
        }
    }

    // MARK: Regressions

    /// -0.0 must keep its sign: the integral fast path in `OutputBuffer.append(double:)` writes "0.0".
    @Test func negativeZeroKeepsItsSign() throws {
        let schema = Schema([Field("d", .float64)])
        let (lines, _, _) = try encode(schema, makeBatch(schema, [[.double(-0.0)]]))
        #expect(lines == [#"{"d":-0.0}"#])
    }
}
