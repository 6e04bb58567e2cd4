import SluiceEdge
import Testing

/// The body check of `POST /ingest`: NDJSON and JSON arrays become one object per line; a malformed
/// body is refused whole, naming its line.
struct IngestBodyTests {
    func ndjson(_ text: String) throws(IngestBody.Malformed) -> (String, Int) {
        let (bytes, n) = try IngestBody.ndjson(Array(text.utf8))
        return (String(decoding: bytes, as: UTF8.self), n)
    }

    func malformed(_ text: String) -> IngestBody.Malformed? {
        do { _ = try IngestBody.ndjson(Array(text.utf8)); return nil } catch { return error }
    }

    @Test func ndjsonLinesPassAsTheyAreAndBlankLinesAreSkipped() throws {
        let body = "{\"sensor\":\"s1\",\"t\":1,\"v\":0.5}\n\n  {\"sensor\":\"s2\",\"tags\":[1,2,{\"a\":null}],\"ok\":true,\"e\":-1.5e3,\"u\":\"\\u00e9\\n\"}\r\n{\"x\":{}}"
        let (out, n) = try ndjson(body)
        #expect(n == 3)
        #expect(out == "{\"sensor\":\"s1\",\"t\":1,\"v\":0.5}\n{\"sensor\":\"s2\",\"tags\":[1,2,{\"a\":null}],\"ok\":true,\"e\":-1.5e3,\"u\":\"\\u00e9\\n\"}\n{\"x\":{}}\n")
    }

    @Test func anArrayBecomesOneObjectPerLineEvenPrettyPrinted() throws {
        let body = """
            [
              {"sensor": "s1",
               "v": 1},
              {"sensor": "s2", "v": 2}
            ]
            """
        let (out, n) = try ndjson(body)
        #expect(n == 2)
        #expect(out.split(separator: "\n").count == 2)
        #expect(out.hasPrefix("{\"sensor\": \"s1\",    \"v\": 1}\n"), "\(out)")
        #expect(try ndjson("[]") == ("", 0))
        #expect(try ndjson("") == ("", 0))
    }

    @Test func aMalformedBodyNamesItsLine() {
        #expect(malformed("{\"a\":1}\n{\"a\":2}\n{\"a\":}\n{\"a\":4}") == IngestBody.Malformed(line: 3, message: "unexpected '}'"))
        #expect(malformed("{\"a\":1}\n{\"a\":\"open\n") == IngestBody.Malformed(line: 2, message: "a string is not closed on its line"))
        #expect(malformed("{\"a\":1} {\"b\":2}")?.message == "expected the end of the line after the object")
        #expect(malformed("{\"a\":1}\n[1,2]")?.line == 2)
        #expect(malformed("{\"a\":1}\nsensor,t,v")?.message == "expected a JSON object")
        #expect(malformed("[{\"a\":1},\n 2]") == IngestBody.Malformed(line: 2, message: "element 2 of the array is not a JSON object"))
        #expect(malformed("[{\"a\":1}")?.message == "the array is not closed")
        #expect(malformed("{\"a\":1.}")?.message == "a number without digits after '.'")
        #expect(malformed("{\"a\":tru}")?.message == "unexpected 't'")
        #expect(malformed("{\"a\":\"\\x\"}")?.message == "bad escape 'x' after a backslash in a string")
        #expect(malformed("{\"a\":\u{1}}")?.message == "unexpected byte 0x1", "control characters are named by their code, never echoed")
        #expect(malformed(String(repeating: "[", count: 100))?.message == "element 1 of the array is not a JSON object")
        #expect(malformed("{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}")?.message == "nested deeper than 64 levels")
    }
}
