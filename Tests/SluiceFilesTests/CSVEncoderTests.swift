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

private func encode(_ schema: Schema, _ batch: Batch, slots: [Int]? = nil, header: Bool = true) throws -> (text: String, written: Int64) {
    let sink = MemoryByteSink()
    let encoder = CSVEncoder(sink: sink, writeHeader: header)
    let slots = slots ?? Array(0..<batch.schema.count)
    try encoder.open(schema: schema)
    try encoder.write(batch, slots: slots)
    try encoder.close()
    return (sink.text, encoder.recordsWritten)
}

/// Decodes CSV text with the project's own decoder (no key columns).
private func decodeCSV(_ text: String, _ schema: Schema) throws -> (batch: Batch, letters: DeadLetters) {
    let decoder = CSVDecoder()
    try decoder.open(schema: schema)
    let batch = Batch(schema: schema, capacity: 256)
    let letters = DeadLetters(sink: nil)
    let bytes = Array(text.utf8)
    let consumed = try bytes.withUnsafeBufferPointer { buf in
        try decoder.decode(buf.baseAddress!, count: buf.count, atEnd: true, into: batch, deadLetters: letters)
    }
    #expect(consumed == bytes.count)
    return (batch, letters)
}

/// Doubles whose shortest round-trip text is easy to get wrong.
let trickyDoubles: [Double] = [
    0.1, 0.2, 0.30000000000000004, 1e-7, 1.5880000000000003, 1e300, -1e300, 123456789012345680.0,
    4.35, 2.0, 100.0, -7.0, 1e15, 999999999999999.0, 1e16 + 2, 9007199254740993.0, 0.0,
    5e-324, 2.2250738585072014e-308, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude,
    1.0 / 3.0, -2.5e-10, 27.34, 1700000000000.5,
]

@Suite struct CSVEncoderTests {
    @Test func writesAHeaderLineAndQuotesNamesThatNeedIt() throws {
        let schema = Schema([Field("sensor_id", .string), Field("a,b", .int64), Field("say \"x\"", .bool)])
        let (text, written) = try encode(schema, makeBatch(schema, [["s1", 1, true]]))
        #expect(text == "sensor_id,\"a,b\",\"say \"\"x\"\"\"\ns1,1,true\n")
        #expect(written == 1)
    }

    @Test func decimalsRoundFloatsOnOutputOnly() throws {
        let schema = Schema([Field("k", .string), Field("n", .int64), Field("x", .float64)])
        let batch = makeBatch(schema, [["a", 12345, 0.12088888888888898], ["b", 7, -0.8019999999999999], ["c", 1, 1e300], ["d", 2, 2.0005], ["e", 3, .null]])
        let sink = MemoryByteSink()
        let encoder = RecordFormat.csv.makeEncoder(sink: sink, csvHeader: false, decimals: 3)
        try encoder.open(schema: schema)
        try encoder.write(batch, slots: [0, 1, 2])
        try encoder.close()
        // Integers and nulls untouched; 1e300, too large to round exactly, as it is.
        #expect(sink.text == "a,12345,0.121\nb,7,-0.802\nc,1,1e+300\nd,2,2.001\ne,3,\n")
        let ndjson = MemoryByteSink()
        let json = RecordFormat.ndjson.makeEncoder(sink: ndjson, decimals: 1)
        try json.open(schema: schema)
        try json.write(batch, slots: [0, 1, 2])
        try json.close()
        #expect(ndjson.text.hasPrefix("{\"k\":\"a\",\"n\":12345,\"x\":0.1}\n{\"k\":\"b\",\"n\":7,\"x\":-0.8}\n"), "\(ndjson.text)")
    }

    @Test func headerCanBeLeftOut() throws {
        let schema = Schema([Field("a", .int64), Field("b", .string)])
        let (text, _) = try encode(schema, makeBatch(schema, [[1, "x"], [2, "y"]]), header: false)
        #expect(text == "1,x\n2,y\n")
    }

    @Test func quotesStringsWithCommaQuoteOrLineBreakOnly() throws {
        let schema = Schema([Field("s", .string)])
        let values: [String] = ["plain", "with space", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "\"", " lead", "tab\tbed", "ünïcödé ✓"]
        let (text, _) = try encode(schema, makeBatch(schema, values.map { [.string($0)] }))
        #expect(text == "s\nplain\nwith space\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"cr\rhere\"\n\"\"\"\"\n lead\ntab\tbed\nünïcödé ✓\n")
        // And the decoder reads every value back.
        let (batch, letters) = try decodeCSV(text, schema)
        #expect(letters.total == 0)
        #expect(batch.count == values.count)
        #expect((0..<batch.count).map { batch.arena.string(batch.columns[0].strings[$0]) } == values)
    }

    @Test func nullIsAnEmptyFieldForEveryType() throws {
        let schema = Schema([Field("i", .int64), Field("d", .float64), Field("b", .bool), Field("s", .string)])
        let (text, _) = try encode(schema, makeBatch(schema, [[nil, nil, nil, nil], [1, nil, false, nil], [nil, 2.5, nil, "x"]]))
        #expect(text == "i,d,b,s\n,,,\n1,,false,\n,2.5,,x\n")
    }

    @Test func integersAndBools() throws {
        let schema = Schema([Field("i", .int64), Field("b", .bool)])
        let ints: [Int64] = [0, 7, -1, 10, -10, 1_700_000_000_000, Int64.max, Int64.min, Int64.min + 1]
        let (text, _) = try encode(schema, makeBatch(schema, ints.enumerated().map { [.int($1), .bool($0 % 2 == 0)] }))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "i,b")
        #expect(Array(lines.dropFirst()) == ints.enumerated().map { "\($1),\($0 % 2 == 0)" })
        #expect(lines.contains("-9223372036854775808,false"))
        let (batch, letters) = try decodeCSV(text, schema)
        #expect(letters.total == 0)
        #expect((0..<batch.count).map { batch.columns[0].int64[$0] } == ints)
    }

    @Test func doublesUseShortestRoundTripText() throws {
        let schema = Schema([Field("d", .float64)])
        let (text, _) = try encode(schema, makeBatch(schema, trickyDoubles.map { [.double($0)] }))
        let fields = text.split(separator: "\n").dropFirst().map(String.init)
        #expect(fields.count == trickyDoubles.count)
        for (field, value) in zip(fields, trickyDoubles) {
            let parsed = try #require(Double(field), "'\(field)' does not parse")
            #expect(parsed.bitPattern == value.bitPattern, "\(value) written as '\(field)'")
            #expect(field == value.description || (abs(value) < 1e15 && field == "\(Int64(value)).0"), "\(value) written as '\(field)', not the shortest text")
        }
        #expect(fields[0] == "0.1")
        #expect(fields[3] == "1e-07")
        #expect(fields[4] == "1.5880000000000003")
        #expect(fields[10] == "100.0")
        // The project's decoder reads them back bit for bit too.
        let (batch, letters) = try decodeCSV(text, schema)
        #expect(letters.total == 0)
        #expect((0..<batch.count).map { batch.columns[0].float64[$0].bitPattern } == trickyDoubles.map(\.bitPattern))
    }

    @Test func writesOnlySelectedRowsInTheGivenSlotOrder() throws {
        let schema = Schema([Field("i", .int64), Field("s", .string), Field("d", .float64)])
        let batch = makeBatch(schema, (0..<6).map { [.int(Int64($0)), .string("r\($0)"), .double(Double($0) / 2)] })
        batch.selection[0] = 1
        batch.selection[1] = 4
        batch.selection[2] = 5
        batch.selectedCount = 3
        let out = Schema([Field("d", .float64), Field("i", .int64)])
        let (text, written) = try encode(out, batch, slots: [2, 0])
        #expect(text == "d,i\n0.5,1\n2.0,4\n2.5,5\n")
        #expect(written == 3)
    }

    @Test func recordsWrittenAccumulatesAcrossBatches() throws {
        let schema = Schema([Field("i", .int64)])
        let sink = MemoryByteSink()
        let encoder = CSVEncoder(sink: sink)
        try encoder.open(schema: schema)
        try encoder.write(makeBatch(schema, [[1], [2]]), slots: [0])
        let empty = makeBatch(schema, [[3]])
        empty.selectedCount = 0
        try encoder.write(empty, slots: [0])
        try encoder.write(makeBatch(schema, [[4]]), slots: [0])
        try encoder.close()
        #expect(encoder.recordsWritten == 3)
        #expect(sink.text == "i\n1\n2\n4\n")
    }

    @Test func largeOutputIsFlushedInOrder() throws {
        let schema = Schema([Field("i", .int64), Field("s", .string)])
        let rows: [[Value]] = (0..<3000).map { [.int(Int64($0)), .string(String(repeating: "v", count: $0 % 700))] }
        let (text, written) = try encode(schema, makeBatch(schema, rows))
        #expect(written == 3000)
        // An empty string is written quoted (`""`), so it does not read back as null.
        let expected = "i,s\n" + (0..<3000).map { "\($0),\($0 % 700 == 0 ? "\"\"" : String(repeating: "v", count: $0 % 700))\n" }.joined()
        #expect(text == expected)
    }

    // MARK: Open issue (see the report; fails until fixed)

    /// Derived fields can be ±inf or NaN (IEEE division, see the README). The CSV encoder writes them
    /// as `inf`/`-inf`/`nan`, which the project's own CSV decoder rejects as `invalid_value`, so the
    /// output of one pipeline cannot feed another. (The NDJSON encoder writes them as null.)
    @Test func nonFiniteDoublesReadBackThroughTheCSVDecoder() throws {
        let schema = Schema([Field("i", .int64), Field("d", .float64)])
        let (text, _) = try encode(schema, makeBatch(schema, [
            [1, .double(.infinity)], [2, .double(-.infinity)], [3, .double(.nan)], [4, 1.5],
        ]))
        let (batch, letters) = try decodeCSV(text, schema)
        #expect(letters.total == 0, "\(text)")
        #expect((0..<batch.count).map { batch.columns[0].int64[$0] } == [1, 2, 3, 4])
    }

    // MARK: Regressions

    /// An empty string must be written as `""`: the decoder reads an empty unquoted field as null,
    /// so writing nothing turns "" into null on the way back.
    @Test func emptyStringIsQuotedSoItStaysDistinctFromNull() throws {
        let schema = Schema([Field("s", .string), Field("i", .int64)])
        let (text, _) = try encode(schema, makeBatch(schema, [["", 1], [nil, 2]]))
        #expect(text == "s,i\n\"\",1\n,2\n")
        let (batch, _) = try decodeCSV(text, schema)
        #expect(batch.count == 2)
        #expect(batch.columns[0].isValid(0))
        #expect(!batch.columns[0].isValid(1))
    }

    /// -0.0 must keep its sign: the integral fast path in `OutputBuffer.append(double:)` writes "0.0".
    @Test func negativeZeroKeepsItsSign() throws {
        let schema = Schema([Field("d", .float64)])
        let (text, _) = try encode(schema, makeBatch(schema, [[.double(-0.0)]]))
        let field = try #require(text.split(separator: "\n").last.map(String.init))
        #expect(field == "-0.0")
        #expect(Double(field)?.bitPattern == (-0.0 as Double).bitPattern)
    }
}
