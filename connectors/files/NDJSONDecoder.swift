import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Decodes NDJSON (JSON Lines): one JSON object per line, `\n` or `\r\n` line
/// ends, blank (or all-whitespace) lines skipped.
///
/// ```json
/// {"sensor_id":"s0639","ts":1700000000000,"temp":27.34,"humidity":22.32,"status":"ok"}
/// ```
///
/// Keys are matched to schema fields by their (unescaped) bytes; keys not in
/// the schema are skipped together with their value, whatever it is (nested
/// objects and arrays included). A schema field absent from the object, or
/// given as `null`, is null. If a key appears twice the last value wins.
///
/// Values must have their field's JSON type; there is no implicit conversion
/// (the `coerce` clean rule converts strings to numbers explicitly):
/// - `float64`: a JSON number;
/// - `int64`: a JSON number without fraction or exponent (`1.0` is rejected:
///   silently truncating would hide a producer bug) that fits in 64 bits;
/// - `bool`: `true` or `false`;
/// - `string`: a JSON string, unescaped (`\uXXXX` escapes, surrogate pairs
///   included, become UTF-8; an unpaired surrogate becomes U+FFFD).
///
/// A line that is not one well-formed JSON object (syntax error, unterminated
/// string, bytes after the closing brace, nesting deeper than 256) is rejected
/// as `malformed_record`, with the byte column of the problem in the detail.
/// A well-formed object with a value of the wrong type for its field is
/// rejected as `invalid_value`, with the raw JSON text of the value. Numbers
/// are checked against JSON's grammar except that leading zeros are tolerated.
///
/// The hot path is a hand-written byte parser over raw pointers writing
/// straight into the batch's column buffers: no `String`, no Foundation, no
/// allocation per record. Producers write keys in the same order on every
/// line, so the parser remembers which field the key at each position matched
/// last time and first compares the input bytes against that field's name in
/// place, which makes key matching one short byte comparison per key instead
/// of a scan plus a search.
public final class NDJSONDecoder: RecordDecoder {
    public var sourceName = "input"
    public var maxRecordBytes = 1 << 20
    /// Records seen (decoded or rejected); blank lines are not records.
    public private(set) var recordsRead: Int64 = 0
    public private(set) var bytesConsumed: Int64 = 0
    /// Physical lines consumed: the position reported in dead letters.
    private var linesRead: Int64 = 0

    private var schema = Schema([])
    private var skippingOversized = false
    private var malformedReason = 0, invalidReason = 0, tooLongReason = 0
    private var reasonsRegistered = false

    /// Field names, concatenated; `fieldInfo` points into it.
    private var nameStorage: UnsafeMutablePointer<UInt8>
    /// Per schema field: name bytes and type. Fixed by `open(schema:)`.
    private var fieldInfo: UnsafeMutablePointer<FieldInfo>
    /// Per schema field: the column buffers of the batch being decoded, bound at each `decode` call.
    private var bindings: UnsafeMutablePointer<ColumnBinding>
    private var fieldCount = 0
    /// For the key at position `i` of an object: the field it matched on the
    /// previous record (-1: none yet, or not a schema field).
    private let hints: UnsafeMutablePointer<Int32>

    /// Key positions beyond this get no hint (and are matched by search).
    static let hintedKeys = 64
    /// Objects and arrays nested deeper than this (in skipped values) make a record malformed.
    static let maxDepth = 256

    public init() {
        nameStorage = .allocate(capacity: 1)
        fieldInfo = .allocate(capacity: 1)
        bindings = .allocate(capacity: 1)
        hints = .allocate(capacity: Self.hintedKeys)
        hints.initialize(repeating: -1, count: Self.hintedKeys)
    }

    deinit {
        nameStorage.deallocate()
        fieldInfo.deallocate()
        bindings.deallocate()
        hints.deallocate()
    }

    public func reposition(line: Int64, offset: Int64) {
        linesRead = line - 1
        bytesConsumed = offset
        skippingOversized = false
    }

    public func open(schema: Schema) throws {
        self.schema = schema
        let fields = schema.fields
        let names = fields.map { Array($0.name.utf8) }
        nameStorage.deallocate()
        fieldInfo.deallocate()
        bindings.deallocate()
        nameStorage = .allocate(capacity: max(1, names.reduce(0) { $0 + $1.count }))
        fieldInfo = .allocate(capacity: max(1, fields.count))
        bindings = .allocate(capacity: max(1, fields.count))
        var offset = 0
        for (i, name) in names.enumerated() {
            let start = nameStorage + offset
            for (j, b) in name.enumerated() { start[j] = b }
            offset += name.count
            // A name with a quote, backslash or control byte is escaped in JSON,
            // so its raw bytes never appear in the input: match it by search only.
            let raw = !name.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
            (fieldInfo + i).initialize(to: FieldInfo(name: UnsafePointer(start), nameLength: name.count, type: fields[i].type, rawMatchable: raw))
        }
        fieldCount = fields.count
        hints.update(repeating: -1, count: Self.hintedKeys)
    }

    private func registerReasons(_ deadLetters: DeadLetters) {
        guard !reasonsRegistered else { return }
        reasonsRegistered = true
        malformedReason = deadLetters.register(RejectionReason(.malformedRecord, rule: "ndjson"))
        invalidReason = deadLetters.register(RejectionReason(.invalidValue, rule: "ndjson"))
        tooLongReason = deadLetters.register(RejectionReason(.recordTooLong, rule: "ndjson, max \(maxRecordBytes) bytes"))
    }

    /// Points `bindings` at `batch`'s column buffers. The batch's first
    /// columns are the fields of the schema passed to `open`, in order; a
    /// plan's input batch may have more (slots for derived fields), which the
    /// decoder leaves alone.
    private func bind(_ batch: Batch) {
        let columns = batch.columns
        precondition(columns.count >= fieldCount, "NDJSONDecoder: batch has \(columns.count) columns, schema has \(fieldCount) fields")
        for i in 0..<fieldCount {
            let c = columns[i]
            assert(c.name == schema.fields[i].name && c.type == schema.fields[i].type, "NDJSONDecoder: batch column \(i) is not field \(schema.fields[i])")
            (bindings + i).initialize(to: ColumnBinding(
                values: c.values, validity: c.validity, keyIDs: c.keyIDs,
                dictionary: c.dictionary.map { Unmanaged.passUnretained($0) }))
        }
    }

    public func decode(_ bytes: UnsafePointer<UInt8>, count: Int, atEnd: Bool, into batch: Batch, deadLetters: DeadLetters) throws -> Int {
        registerReasons(deadLetters)
        bind(batch)
        let end = bytes + count
        var p = bytes
        let base = UnsafePointer<UInt8>(batch.recordBytes?.assumingMemoryBound(to: UInt8.self)) ?? bytes
        let maxRecordBytes = self.maxRecordBytes
        let capacity = batch.capacity
        // Hot state lives in locals (class properties may pay for dynamic exclusivity checks); written back on every exit.
        var rows = batch.count
        var linesRead = self.linesRead
        var recordsRead = self.recordsRead
        var bytesConsumed = self.bytesConsumed
        var skippingOversized = self.skippingOversized
        defer {
            batch.count = rows
            self.linesRead = linesRead
            self.recordsRead = recordsRead
            self.bytesConsumed = bytesConsumed
            self.skippingOversized = skippingOversized
        }
        var parser = Parser(fields: fieldInfo, columns: bindings, fieldCount: fieldCount, hints: hints,
                            arena: batch.arena, bufferEnd: end)

        while p < end {
            if skippingOversized {
                guard let nl = memchr(p, 0x0A, end - p) else {
                    bytesConsumed += Int64(end - p)
                    return count
                }
                let next = UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) + 1
                bytesConsumed += Int64(next - p)
                p = next
                skippingOversized = false
                continue
            }
            if rows >= capacity { break }

            // Find the end of the record: JSON strings cannot hold a raw newline, so it is the next one.
            let searchLength = min(end - p, maxRecordBytes + 1)
            let lineEnd: UnsafePointer<UInt8>
            let next: UnsafePointer<UInt8>
            if let nl = memchr(p, 0x0A, searchLength) {
                lineEnd = UnsafePointer(nl.assumingMemoryBound(to: UInt8.self))
                next = lineEnd + 1
            } else if end - p > maxRecordBytes {
                linesRead += 1
                recordsRead += 1
                try deadLetters.reject(source: sourceName, record: linesRead, offset: bytesConsumed,
                                       data: UnsafeRawBufferPointer(start: p, count: min(1024, maxRecordBytes)),
                                       reason: tooLongReason, detail: "record longer than \(maxRecordBytes) bytes; skipped to the next line")
                bytesConsumed += Int64(maxRecordBytes)
                p += maxRecordBytes
                skippingOversized = true
                continue
            } else if atEnd {
                lineEnd = end
                next = end
            } else {
                break  // incomplete record: wait for more bytes
            }
            let recordStart = p
            let recordOffset = bytesConsumed
            linesRead += 1
            bytesConsumed += Int64(next - p)
            p = next
            var contentEnd = lineEnd
            if contentEnd > recordStart, (contentEnd - 1).pointee == 0x0D { contentEnd -= 1 }
            if contentEnd == recordStart { continue }  // blank line
            recordsRead += 1

            var objectStart = recordStart
            // A UTF-8 byte order mark may precede the first record.
            if recordOffset == 0, contentEnd - objectStart >= 3, objectStart[0] == 0xEF, objectStart[1] == 0xBB, objectStart[2] == 0xBF {
                objectStart += 3
            }
            switch parser.parseRecord(objectStart, contentEnd, row: rows) {
            case .decoded:
                batch.recordNumbers[rows] = linesRead
                batch.recordOffsets[rows] = recordOffset
                batch.recordStarts[rows] = recordStart - base
                batch.recordLengths[rows] = Int32(truncatingIfNeeded: contentEnd - recordStart)
                rows += 1
            case .blank:
                recordsRead -= 1  // whitespace only: a line, not a record
                continue
            case .malformed:
                let column = parser.errorAt - recordStart + 1
                try deadLetters.reject(source: sourceName, record: linesRead, offset: recordOffset,
                                       data: UnsafeRawBufferPointer(start: recordStart, count: contentEnd - recordStart),
                                       reason: malformedReason, detail: "\(parser.errorMessage) at column \(column)")
            case .invalid:
                let field = schema.fields[parser.invalidField]
                let n = parser.invalidEnd - parser.invalidStart
                let text = String(decoding: UnsafeBufferPointer(start: parser.invalidStart, count: min(n, 256)), as: UTF8.self)
                try deadLetters.reject(source: sourceName, record: linesRead, offset: recordOffset,
                                       data: UnsafeRawBufferPointer(start: recordStart, count: contentEnd - recordStart),
                                       reason: invalidReason, value: text,
                                       detail: "field '\(field.name)' expects \(field.type), found \(parser.invalidFound)")
            }
        }
        return p - bytes
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

extension NDJSONDecoder {
    /// A schema field as the parser sees it.
    struct FieldInfo {
        var name: UnsafePointer<UInt8>
        var nameLength: Int
        var type: DataType
        /// Whether the name's raw bytes can be compared with a key in the input in place.
        var rawMatchable: Bool
    }

    /// A schema field's column buffers in the batch being decoded.
    struct ColumnBinding {
        var values: UnsafeMutableRawPointer
        var validity: UnsafeMutablePointer<UInt8>
        var keyIDs: UnsafeMutablePointer<Int32>?
        var dictionary: Unmanaged<KeyDictionary>?
    }

    /// What became of one line.
    enum RecordOutcome {
        case decoded, blank, malformed, invalid
    }

    /// The JSON parser for one `decode` call: a value type over raw pointers, so
    /// the hot loop touches no class properties. Functions that can fail return
    /// nil after recording where and why in `errorAt`/`errorMessage`.
    struct Parser {
        let fields: UnsafeMutablePointer<FieldInfo>
        let columns: UnsafeMutablePointer<ColumnBinding>
        let fieldCount: Int
        let hints: UnsafeMutablePointer<Int32>
        let arena: ByteArena
        /// End of the input buffer (not of the line): how far key bytes may be read for interning.
        let bufferEnd: UnsafePointer<UInt8>

        var errorAt: UnsafePointer<UInt8>
        var errorMessage: StaticString = ""
        /// The first value of the wrong type in the current record (-1: none).
        var invalidField = -1
        var invalidStart: UnsafePointer<UInt8>
        var invalidEnd: UnsafePointer<UInt8>
        var invalidFound: StaticString = ""

        init(fields: UnsafeMutablePointer<FieldInfo>, columns: UnsafeMutablePointer<ColumnBinding>, fieldCount: Int,
             hints: UnsafeMutablePointer<Int32>, arena: ByteArena, bufferEnd: UnsafePointer<UInt8>) {
            self.fields = fields
            self.columns = columns
            self.fieldCount = fieldCount
            self.hints = hints
            self.arena = arena
            self.bufferEnd = bufferEnd
            errorAt = bufferEnd
            invalidStart = bufferEnd
            invalidEnd = bufferEnd
        }

        @inline(__always)
        mutating func fail(_ at: UnsafePointer<UInt8>, _ message: StaticString) -> UnsafePointer<UInt8>? {
            errorAt = at
            errorMessage = message
            return nil
        }

        @inline(__always)
        func skipSpace(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
            var p = p
            while p < e {
                let c = p.pointee
                if c > 0x20 || (c != 0x20 && c != 0x09 && c != 0x0D && c != 0x0A) { break }
                p += 1
            }
            return p
        }

        /// Parses the line `[start, e)` as one JSON object into row `row`.
        @inline(__always)
        mutating func parseRecord(_ start: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, row: Int) -> RecordOutcome {
            var p = skipSpace(start, e)
            if p == e { return .blank }
            // Columns are reused across batches: every field of the row starts null.
            for i in 0..<fieldCount { columns[i].validity[row] = 0 }
            invalidField = -1
            guard p.pointee == UInt8(ascii: "{") else {
                _ = fail(p, "expected a JSON object ('{')")
                return .malformed
            }
            p = skipSpace(p + 1, e)
            if p < e && p.pointee == UInt8(ascii: "}") {
                p += 1
            } else {
                var position = 0
                while true {
                    guard p < e && p.pointee == quote else {
                        _ = fail(p, "expected a key string")
                        return .malformed
                    }
                    p += 1
                    // Fast path: the field that the key at this position matched last time, compared in place.
                    var slot = -1
                    let hint = position < NDJSONDecoder.hintedKeys ? Int(hints[position]) : -1
                    if hint >= 0 {
                        let f = fields[hint]
                        let n = f.nameLength
                        if f.rawMatchable && e - p > n && p[n] == quote && bytesEqual(p, f.name, n) {
                            slot = hint
                            p += n + 1
                        }
                    }
                    if slot < 0 {
                        guard let r = matchKey(p, e) else { return .malformed }
                        slot = r.slot
                        p = r.next
                        if position < NDJSONDecoder.hintedKeys { hints[position] = Int32(truncatingIfNeeded: slot) }
                    }
                    p = skipSpace(p, e)
                    guard p < e && p.pointee == UInt8(ascii: ":") else {
                        _ = fail(p, "expected ':' after a key")
                        return .malformed
                    }
                    p = skipSpace(p + 1, e)
                    let after = slot >= 0 ? parseFieldValue(slot, p, e, row: row) : skipValue(p, e, depth: 0)
                    guard let after else { return .malformed }
                    p = skipSpace(after, e)
                    if p < e {
                        if p.pointee == UInt8(ascii: ",") {
                            p = skipSpace(p + 1, e)
                            position += 1
                            continue
                        }
                        if p.pointee == UInt8(ascii: "}") {
                            p += 1
                            break
                        }
                    }
                    _ = fail(p, p < e ? "expected ',' or '}' after a value" : "unterminated object (missing '}')")
                    return .malformed
                }
            }
            p = skipSpace(p, e)
            if p != e {
                _ = fail(p, "unexpected bytes after the object")
                return .malformed
            }
            return invalidField >= 0 ? .invalid : .decoded
        }

        /// Slow path for a key (after its opening quote): finds its end,
        /// unescapes it if needed, and searches the schema. slot -1 = not a field.
        mutating func matchKey(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>) -> (slot: Int, next: UnsafePointer<UInt8>)? {
            var escaped = false
            guard let close = scanString(p, e, escaped: &escaped) else { return nil }
            var key = p
            var n = close - p
            if escaped {
                // Unescape into the arena's free space without committing it: a scratch buffer that costs nothing.
                let scratch = arena.reserve(n)
                n = unescape(p, close, into: scratch)
                key = UnsafePointer(scratch)
            }
            for i in 0..<fieldCount {
                let f = fields[i]
                if f.nameLength == n && bytesEqual(key, f.name, n) { return (i, close + 1) }
            }
            return (-1, close + 1)
        }

        @inline(__always)
        func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            var i = 0
            while i &+ 8 <= n {
                if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
                i &+= 8
            }
            while i < n {
                if a[i] != b[i] { return false }
                i &+= 1
            }
            return true
        }

        /// Parses the value at `p` into field `slot` of `row`. A value of the
        /// wrong type is remembered in `invalid*` and skipped, so the rest of the
        /// record is still checked for syntax (a malformed record is reported as
        /// such even if it also has a wrong-typed value).
        @inline(__always)
        mutating func parseFieldValue(_ slot: Int, _ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, row: Int) -> UnsafePointer<UInt8>? {
            guard p < e else { return fail(p, "expected a value") }
            let c = p.pointee
            let column = columns[slot]
            if c == UInt8(ascii: "n") {
                guard let after = literal(p, e, "null") else { return nil }
                column.validity[row] = 0
                return after
            }
            switch fields[slot].type {
            case .float64:
                if c == UInt8(ascii: "-") || c &- 48 < 10 {
                    var integer = true
                    guard let after = scanNumber(p, e, integer: &integer) else { return nil }
                    guard let v = NumberParsing.parseDouble(p, after - p) else {
                        return invalid(slot, p, after, "a number that does not fit in float64")
                    }
                    column.values.assumingMemoryBound(to: Double.self)[row] = v
                    column.validity[row] = 1
                    return after
                }
            case .int64:
                if c == UInt8(ascii: "-") || c &- 48 < 10 {
                    var integer = true
                    guard let after = scanNumber(p, e, integer: &integer) else { return nil }
                    guard integer else { return invalid(slot, p, after, "a number with a fraction or exponent") }
                    guard let v = NumberParsing.parseInt64(p, after - p) else {
                        return invalid(slot, p, after, "a number that does not fit in int64")
                    }
                    column.values.assumingMemoryBound(to: Int64.self)[row] = v
                    column.validity[row] = 1
                    return after
                }
            case .bool:
                if c == UInt8(ascii: "t") || c == UInt8(ascii: "f") {
                    let isTrue = c == UInt8(ascii: "t")
                    guard let after = isTrue ? literal(p, e, "true") : literal(p, e, "false") else { return nil }
                    column.values.assumingMemoryBound(to: UInt8.self)[row] = isTrue ? 1 : 0
                    column.validity[row] = 1
                    return after
                }
            case .string:
                if c == quote {
                    var escaped = false
                    let s = p + 1
                    guard let close = scanString(s, e, escaped: &escaped) else { return nil }
                    let n = close - s
                    let strings = column.values.assumingMemoryBound(to: StringSlot.self)
                    if !escaped {
                        strings[row] = arena.append(s, n)
                        if let ids = column.keyIDs {
                            // Unescaped bytes lie in the input buffer, which may be read up to its end.
                            ids[row] = column.dictionary.unsafelyUnwrapped.takeUnretainedValue().intern(s, n, readable: bufferEnd - s)
                        }
                    } else {
                        let dst = arena.reserve(n)  // unescaping never lengthens
                        let length = unescape(s, close, into: dst)
                        strings[row] = arena.commit(length)
                        if let ids = column.keyIDs {
                            ids[row] = column.dictionary.unsafelyUnwrapped.takeUnretainedValue().intern(dst, length, readable: 0)
                        }
                    }
                    column.validity[row] = 1
                    return close + 1
                }
            }
            // The wrong type: check it is a JSON value at all, then remember it.
            guard let after = skipValue(p, e, depth: 0) else { return nil }
            let found: StaticString
            switch c {
            case quote: found = "a string"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
            case UInt8(ascii: "{"): found = "an object"
            case UInt8(ascii: "["): found = "an array"
            default: found = "a number"
            }
            return invalid(slot, p, after, found)
        }

        mutating func invalid(_ slot: Int, _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ found: StaticString) -> UnsafePointer<UInt8> {
            if invalidField < 0 {
                invalidField = slot
                invalidStart = start
                invalidEnd = end
                invalidFound = found
            }
            return end
        }

        /// Matches the literal `word` (`true`, `false`, `null`) at `p`.
        @inline(__always)
        mutating func literal(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, _ word: StaticString) -> UnsafePointer<UInt8>? {
            let n = word.utf8CodeUnitCount
            if e - p >= n && bytesEqual(p, word.utf8Start, n) { return p + n }
            return fail(p, "invalid literal (expected true, false or null)")
        }

        /// Scans a JSON number starting at `p` (a '-' or a digit); `integer` is
        /// cleared if it has a fraction or exponent. Leading zeros are tolerated.
        @inline(__always)
        mutating func scanNumber(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, integer: inout Bool) -> UnsafePointer<UInt8>? {
            var q = p
            if q.pointee == UInt8(ascii: "-") { q += 1 }
            let digits = q
            while q < e && q.pointee &- 48 < 10 { q += 1 }
            if q == digits { return fail(q, "invalid number (no digits)") }
            if q < e && q.pointee == UInt8(ascii: ".") {
                q += 1
                let fraction = q
                while q < e && q.pointee &- 48 < 10 { q += 1 }
                if q == fraction { return fail(q, "invalid number (no digits after '.')") }
                integer = false
            }
            if q < e && q.pointee | 0x20 == UInt8(ascii: "e") {
                q += 1
                if q < e && (q.pointee == UInt8(ascii: "+") || q.pointee == UInt8(ascii: "-")) { q += 1 }
                let exponent = q
                while q < e && q.pointee &- 48 < 10 { q += 1 }
                if q == exponent { return fail(q, "invalid number (no digits in the exponent)") }
                integer = false
            }
            return q
        }

        /// Finds the closing quote of a string whose contents start at `p`,
        /// checking its escapes; `escaped` is set if it has any.
        @inline(__always)
        mutating func scanString(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, escaped: inout Bool) -> UnsafePointer<UInt8>? {
            var q = p
            while q < e {
                let c = q.pointee
                if c == quote { return q }
                if c == backslash {
                    escaped = true
                    guard let after = checkEscape(q, e) else { return nil }
                    q = after
                    continue
                }
                if c < 0x20 { return fail(q, "control character in a string (must be escaped)") }
                q += 1
            }
            return fail(q, "unterminated string")
        }

        /// Checks the escape sequence at `q` (a backslash) and returns what follows it.
        mutating func checkEscape(_ q: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
            guard q + 1 < e else { return fail(q, "unterminated string") }
            switch q[1] {
            case quote, backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return q + 2
            case UInt8(ascii: "u"):
                guard e - q >= 6, hexValue(q + 2) >= 0 else { return fail(q, "invalid \\u escape (needs 4 hex digits)") }
                return q + 6
            default:
                return fail(q, "invalid escape sequence in a string")
            }
        }

        /// The value of 4 hex digits at `p`, or -1.
        @inline(__always)
        func hexValue(_ p: UnsafePointer<UInt8>) -> Int {
            var v = 0
            for i in 0..<4 {
                let c = p[i]
                let d: Int
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = Int(c &- 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = Int(c &- 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = Int(c &- 55)
                default: return -1
                }
                v = v << 4 | d
            }
            return v
        }

        /// Unescapes the checked string contents `[p, e)` into `dst` as UTF-8 and
        /// returns the length, which is never more than `e - p`. An unpaired
        /// surrogate becomes U+FFFD.
        func unescape(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>) -> Int {
            var q = p
            var o = 0
            while q < e {
                let c = q.pointee
                if c != backslash {
                    dst[o] = c
                    o += 1
                    q += 1
                    continue
                }
                let x = q[1]
                q += 2
                switch x {
                case UInt8(ascii: "b"): dst[o] = 0x08
                case UInt8(ascii: "f"): dst[o] = 0x0C
                case UInt8(ascii: "n"): dst[o] = 0x0A
                case UInt8(ascii: "r"): dst[o] = 0x0D
                case UInt8(ascii: "t"): dst[o] = 0x09
                case UInt8(ascii: "u"):
                    var scalar = UInt32(hexValue(q))
                    q += 4
                    if scalar & 0xFC00 == 0xD800 {
                        // A high surrogate: combine with a following low one.
                        if e - q >= 6, q[0] == backslash, q[1] == UInt8(ascii: "u") {
                            let low = UInt32(hexValue(q + 2))
                            if low & 0xFC00 == 0xDC00 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                q += 6
                            } else {
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar & 0xFC00 == 0xDC00 {
                        scalar = 0xFFFD
                    }
                    o += encodeUTF8(scalar, dst + o)
                    continue
                default: dst[o] = x  // " \ /
                }
                o += 1
            }
            return o
        }

        @inline(__always)
        func encodeUTF8(_ s: UInt32, _ d: UnsafeMutablePointer<UInt8>) -> Int {
            if s < 0x80 {
                d[0] = UInt8(truncatingIfNeeded: s)
                return 1
            }
            if s < 0x800 {
                d[0] = UInt8(truncatingIfNeeded: 0xC0 | s >> 6)
                d[1] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
                return 2
            }
            if s < 0x10000 {
                d[0] = UInt8(truncatingIfNeeded: 0xE0 | s >> 12)
                d[1] = UInt8(truncatingIfNeeded: 0x80 | (s >> 6) & 0x3F)
                d[2] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
                return 3
            }
            d[0] = UInt8(truncatingIfNeeded: 0xF0 | s >> 18)
            d[1] = UInt8(truncatingIfNeeded: 0x80 | (s >> 12) & 0x3F)
            d[2] = UInt8(truncatingIfNeeded: 0x80 | (s >> 6) & 0x3F)
            d[3] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
            return 4
        }

        /// Skips any JSON value at `p` (checking its syntax) and returns what follows it.
        mutating func skipValue(_ p: UnsafePointer<UInt8>, _ e: UnsafePointer<UInt8>, depth: Int) -> UnsafePointer<UInt8>? {
            guard p < e else { return fail(p, "expected a value") }
            switch p.pointee {
            case quote:
                var escaped = false
                guard let close = scanString(p + 1, e, escaped: &escaped) else { return nil }
                return close + 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var integer = true
                return scanNumber(p, e, integer: &integer)
            case UInt8(ascii: "t"): return literal(p, e, "true")
            case UInt8(ascii: "f"): return literal(p, e, "false")
            case UInt8(ascii: "n"): return literal(p, e, "null")
            case UInt8(ascii: "["):
                guard depth < NDJSONDecoder.maxDepth else { return fail(p, "nesting too deep") }
                var q = skipSpace(p + 1, e)
                if q < e && q.pointee == UInt8(ascii: "]") { return q + 1 }
                while true {
                    guard let after = skipValue(q, e, depth: depth + 1) else { return nil }
                    q = skipSpace(after, e)
                    guard q < e else { return fail(q, "unterminated array (missing ']')") }
                    if q.pointee == UInt8(ascii: "]") { return q + 1 }
                    guard q.pointee == UInt8(ascii: ",") else { return fail(q, "expected ',' or ']' in an array") }
                    q = skipSpace(q + 1, e)
                }
            case UInt8(ascii: "{"):
                guard depth < NDJSONDecoder.maxDepth else { return fail(p, "nesting too deep") }
                var q = skipSpace(p + 1, e)
                if q < e && q.pointee == UInt8(ascii: "}") { return q + 1 }
                while true {
                    guard q < e && q.pointee == quote else { return fail(q, "expected a key string") }
                    var escaped = false
                    guard let close = scanString(q + 1, e, escaped: &escaped) else { return nil }
                    q = skipSpace(close + 1, e)
                    guard q < e && q.pointee == UInt8(ascii: ":") else { return fail(q, "expected ':' after a key") }
                    guard let after = skipValue(skipSpace(q + 1, e), e, depth: depth + 1) else { return nil }
                    q = skipSpace(after, e)
                    guard q < e else { return fail(q, "unterminated object (missing '}')") }
                    if q.pointee == UInt8(ascii: "}") { return q + 1 }
                    guard q.pointee == UInt8(ascii: ",") else { return fail(q, "expected ',' or '}' after a value") }
                    q = skipSpace(q + 1, e)
                }
            default:
                return fail(p, "expected a value")
            }
        }
    }
}
