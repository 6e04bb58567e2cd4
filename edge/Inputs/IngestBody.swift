/// What `POST /ingest` accepts, checked before anything is taken: NDJSON (one JSON object per
/// line; blank lines are skipped) or a single JSON array of objects. Either becomes NDJSON, one
/// object per line, which is what the pipeline reads.
///
/// The whole body is checked first, so a request is taken entirely or not at all: a client that
/// gets 400 knows none of its records went in, and can fix the line named and send it again. The
/// check is JSON syntax (one pass, no allocation per value); whether a record has the fields the
/// pipeline needs is the pipeline's business (such records go to the dead letters, counted, with
/// the reason).
public enum IngestBody {
    /// Why the body was refused, and where: the 1-based line of the body.
    public struct Malformed: Error, Equatable, CustomStringConvertible, Sendable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// The body as NDJSON (every line a JSON object, each ending in a newline) and its number of records.
    public static func ndjson(_ body: [UInt8]) throws(Malformed) -> (bytes: [UInt8], records: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 1)
        var records = 0
        try body.withUnsafeBufferPointer { (buffer) throws(Malformed) in
            var scanner = JSONScanner(buffer)
            /// One object as one line: whitespace newlines inside it become spaces (a JSON string holds none).
            func appendLine(_ object: Range<Int>) {
                for b in buffer[object] { out.append(b == 10 || b == 13 ? 32 : b) }
                out.append(10)
                records += 1
            }
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "[") {
                scanner.index += 1
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: "]") {
                    scanner.index += 1
                } else {
                    while true {
                        scanner.skipWhitespace()
                        let start = scanner.index
                        guard scanner.peek == UInt8(ascii: "{") else { throw scanner.error("element \(records + 1) of the array is not a JSON object") }
                        try scanner.value(depth: 0)
                        appendLine(start..<scanner.index)
                        scanner.skipWhitespace()
                        guard let b = scanner.peek else { throw scanner.error("the array is not closed") }
                        scanner.index += 1
                        if b == UInt8(ascii: "]") { break }
                        guard b == UInt8(ascii: ",") else { throw scanner.error("expected ',' or ']' after element \(records) of the array") }
                    }
                }
                scanner.skipWhitespace()
                if scanner.peek != nil { throw scanner.error("unexpected data after the array") }
            } else {
                while true {
                    scanner.skipWhitespace()
                    guard let b = scanner.peek else { break }
                    guard b == UInt8(ascii: "{") else { throw scanner.error("expected a JSON object") }
                    let start = scanner.index
                    try scanner.value(depth: 0)
                    appendLine(start..<scanner.index)
                    scanner.skipSpaces()
                    if let b = scanner.peek, b != 10 { throw scanner.error("expected the end of the line after the object") }
                }
            }
        }
        return (out, records)
    }
}

/// A JSON syntax check over a byte buffer, counting lines for its messages.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var line = 1
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ message: String) -> IngestBody.Malformed { IngestBody.Malformed(line: line, message: message) }

    /// A byte for a message: `'x'` when printable ASCII, else `byte 0x1B` (messages go into JSON answers and logs).
    static func show(_ b: UInt8) -> String {
        (32..<127).contains(b) && b != UInt8(ascii: "'") && b != UInt8(ascii: "\\") ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    /// Spaces, tabs, carriage returns and newlines (counted).
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 10: line += 1
            case 32, 9, 13: break
            default: return
            }
            index += 1
        }
    }

    /// Spaces, tabs and carriage returns: not newlines.
    mutating func skipSpaces() {
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 13 { index += 1 }
    }

    mutating func value(depth: Int) throws(IngestBody.Malformed) {
        guard depth < JSONScanner.maxDepth else { throw error("nested deeper than \(JSONScanner.maxDepth) levels") }
        skipWhitespace()
        guard let b = peek else { throw error("unexpected end of the body: a value is missing") }
        switch b {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a quoted field name") }
                try string()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':' after a field name") }
                index += 1
                try value(depth: depth + 1)
                skipWhitespace()
                guard let next = peek else { throw error("the object is not closed") }
                index += 1
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or '}' in an object") }
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                guard let next = peek else { throw error("the array is not closed") }
                index += 1
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']' in an array") }
            }
        case UInt8(ascii: "\""):
            try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            throw error("unexpected \(JSONScanner.show(b))")
        }
    }

    mutating func string() throws(IngestBody.Malformed) {
        index += 1  // the opening quote
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let e = peek else { break }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard let h = peek, (h >= 48 && h <= 57) || (h | 0x20 >= 97 && h | 0x20 <= 102) else { throw error("bad \\u escape in a string") }
                        index += 1
                    }
                default:
                    throw error("bad escape \(JSONScanner.show(e)) after a backslash in a string")
                }
            case 0..<32:
                throw error(b == 10 ? "a string is not closed on its line" : "a control character in a string")
            default:
                continue
            }
        }
        throw error("a string is not closed")
    }

    mutating func number() throws(IngestBody.Malformed) {
        if peek == UInt8(ascii: "-") { index += 1 }
        func digits(_ s: inout JSONScanner) -> Int {
            var n = 0
            while let d = s.peek, d >= 48 && d <= 57 { s.index += 1; n += 1 }
            return n
        }
        guard digits(&self) > 0 else { throw error("a number without digits") }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("a number without digits after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("a number without digits in its exponent") }
        }
    }

    mutating func literal(_ word: StaticString) throws(IngestBody.Malformed) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, n) == 0 else { throw error("unexpected \(JSONScanner.show(bytes[index]))") }
        index += n
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
