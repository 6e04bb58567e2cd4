import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Decodes RFC 4180 CSV: a header line naming the fields (or none, with
/// `hasHeader: false`, then columns are the schema's fields in order),
/// comma-separated, optionally double-quoted fields with `""` escapes and
/// embedded newlines, `\n` or `\r\n` line ends.
///
/// An empty unquoted field is null. Numbers may be quoted and surrounded by
/// spaces. A record with the wrong number of fields is `malformed_record`; a
/// value that does not parse as its field's type is `invalid_value`.
///
/// The hot path (unquoted fields) is a byte loop per field writing straight
/// into raw column buffers: no `String`, no allocation per record.
public final class CSVDecoder: RecordDecoder {
    public var sourceName = "input"
    public var maxRecordBytes = 1 << 20
    public let hasHeader: Bool
    public let delimiter: UInt8
    @exclusivity(unchecked) public private(set) var recordsRead: Int64 = 0
    @exclusivity(unchecked) public private(set) var bytesConsumed: Int64 = 0

    /// What to do with each CSV column, by position.
    enum Target {
        case skip
        case int64(Int)
        case float64(Int)
        case bool(Int)
        case string(Int)
    }

    /// A column position's destination as raw pointers, refreshed per `decode` call so the
    /// per-field work touches no reference counts.
    struct RawTarget {
        var kind: UInt8 = 0  // 0 skip, 1 int64, 2 float64, 3 bool, 4 string
        var values: UnsafeMutableRawPointer?
        var validity: UnsafeMutablePointer<UInt8>?
        var keyIDs: UnsafeMutablePointer<Int32>?
        var dictionary: Unmanaged<KeyDictionary>?
    }

    private var schema = Schema([])
    private var targets: [Target] = []
    @exclusivity(unchecked) private var rawTargets = UnsafeMutablePointer<RawTarget>.allocate(capacity: 1)
    /// Physical lines consumed, header and blank lines included: the position reported in dead letters.
    @exclusivity(unchecked) private var linesRead: Int64 = 0
    private var columnNames: [String] = []
    @exclusivity(unchecked) private var expectedColumns = 0
    @exclusivity(unchecked) private var headerPending: Bool
    @exclusivity(unchecked) private var skippingOversized = false
    /// Where a skipped over-long record stands (inside quotes or not), across buffers.
    private var skipScanner = CSVRecordScanner()
    /// The line the record being decoded starts on.
    @exclusivity(unchecked) private var currentLine: Int64 = 0
    private var malformedReason = 0, invalidReason = 0, tooLongReason = 0
    private var reasonsRegistered = false
    /// Scratch for unquoting fields.
    @exclusivity(unchecked) private var unquoted = [UInt8]()

    public init(hasHeader: Bool = true, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.hasHeader = hasHeader
        self.delimiter = delimiter
        self.headerPending = hasHeader
    }

    deinit { rawTargets.deallocate() }

    private func bindTargets(_ batch: Batch) {
        for (i, t) in targets.enumerated() {
            var raw = RawTarget()
            let c: Column
            switch t {
            case .skip: rawTargets[i] = raw; continue
            case .int64(let slot): raw.kind = 1; c = batch.columns[slot]
            case .float64(let slot): raw.kind = 2; c = batch.columns[slot]
            case .bool(let slot): raw.kind = 3; c = batch.columns[slot]
            case .string(let slot): raw.kind = 4; c = batch.columns[slot]
            }
            raw.values = c.values
            raw.validity = c.validity
            raw.keyIDs = c.keyIDs
            raw.dictionary = c.dictionary.map { Unmanaged.passUnretained($0) }
            rawTargets[i] = raw
        }
    }

    /// A decoder for CSV whose header was already read (by a block reader that splits the input for
    /// parallel decoding): `columns` are the header's names in order.
    public convenience init(columns: [String], delimiter: UInt8 = UInt8(ascii: ",")) {
        self.init(hasHeader: false, delimiter: delimiter)
        presetColumns = columns
    }

    private var presetColumns: [String]?

    public func reposition(line: Int64, offset: Int64) {
        linesRead = line - 1
        bytesConsumed = offset
        skippingOversized = false
        skipScanner.reset()
    }

    /// The field names of a CSV header line (quotes removed, spaces trimmed, a BOM skipped).
    public func headerNames(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
        guard let base = line.baseAddress else { return [] }
        var end = base + line.count
        if end > base, (end - 1).pointee == 0x0A { end -= 1 }
        if end > base, (end - 1).pointee == 0x0D { end -= 1 }
        return splitHeader(base, end)
    }

    public func open(schema: Schema) throws {
        self.schema = schema
        if !hasHeader { try configure(columns: presetColumns ?? schema.names) }
    }

    private func configure(columns: [String]) throws {
        var seen = Set<String>()
        for c in columns where !c.isEmpty && !seen.insert(c).inserted {
            throw InputError("\(sourceName): CSV header names '\(c)' twice")
        }
        let missing = schema.names.filter { !columns.contains($0) }
        if !missing.isEmpty {
            throw InputError("\(sourceName): CSV header lacks field\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) of the pipeline schema; the header has: \(columns.joined(separator: ", "))")
        }
        columnNames = columns
        expectedColumns = columns.count
        rawTargets.deallocate()
        rawTargets = .allocate(capacity: max(1, columns.count))
        rawTargets.initialize(repeating: RawTarget(), count: max(1, columns.count))
        targets = columns.map { name in
            guard let slot = schema.index(of: name) else { return .skip }
            switch schema.fields[slot].type {
            case .int64: return .int64(slot)
            case .float64: return .float64(slot)
            case .bool: return .bool(slot)
            case .string: return .string(slot)
            }
        }
    }

    private func registerReasons(_ deadLetters: DeadLetters) {
        guard !reasonsRegistered else { return }
        reasonsRegistered = true
        malformedReason = deadLetters.register(RejectionReason(.malformedRecord, rule: "csv"))
        invalidReason = deadLetters.register(RejectionReason(.invalidValue, rule: "csv"))
        tooLongReason = deadLetters.register(RejectionReason(.recordTooLong, rule: "csv, max \(maxRecordBytes) bytes"))
    }

    public func decode(_ bytes: UnsafePointer<UInt8>, count: Int, atEnd: Bool, into batch: Batch, deadLetters: DeadLetters) throws -> Int {
        registerReasons(deadLetters)
        let end = bytes + count
        var p = bytes
        if !headerPending { bindTargets(batch) }
        let base = UnsafePointer<UInt8>(batch.recordBytes?.assumingMemoryBound(to: UInt8.self)) ?? bytes

        while p < end {
            if skippingOversized {
                // The rest of an over-long record: up to its real end, quotes respected.
                guard let nl = skipScanner.findEnd(p, end, delimiter: delimiter) else {
                    bytesConsumed += Int64(end - p)
                    return count
                }
                let next = nl + 1
                bytesConsumed += Int64(next - p)
                linesRead += 1 + Int64(skipScanner.embeddedNewlines)
                p = next
                skippingOversized = false
                continue
            }
            if batch.count >= batch.capacity { break }

            // Find the end of the record: the next newline outside quoted fields.
            let searchLength = min(end - p, maxRecordBytes + 1)
            var lineEnd: UnsafePointer<UInt8>
            var next: UnsafePointer<UInt8>
            var embeddedNewlines = 0
            if let nl = memchr(p, 0x0A, searchLength), memchr(p, 0x22, UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) - p) == nil {
                // The common case: no quote before the newline.
                lineEnd = UnsafePointer(nl.assumingMemoryBound(to: UInt8.self))
                next = lineEnd + 1
            } else {
                var scanner = CSVRecordScanner()
                let limit = p + searchLength
                if let e = scanner.findEnd(p, limit, delimiter: delimiter) {
                    lineEnd = e
                    next = e + 1
                    embeddedNewlines = scanner.embeddedNewlines
                } else if limit - p > maxRecordBytes {
                    // Longer than allowed: reject it and skip to its end, wherever that is.
                    recordsRead += 1
                    try rejectTooLong(p, line: linesRead + 1, deadLetters: deadLetters)
                    bytesConsumed += Int64(limit - p)
                    p = limit
                    skipScanner = scanner
                    skippingOversized = true
                    continue
                } else if atEnd {
                    lineEnd = end
                    next = end
                    embeddedNewlines = scanner.embeddedNewlines
                } else {
                    break  // incomplete record: wait for more bytes
                }
            }
            let recordStart = p
            let recordOffset = bytesConsumed
            currentLine = linesRead + 1
            linesRead += 1 + Int64(embeddedNewlines)
            bytesConsumed += Int64(next - p)
            p = next
            var contentEnd = lineEnd
            if contentEnd > recordStart, (contentEnd - 1).pointee == 0x0D { contentEnd -= 1 }
            if contentEnd == recordStart { continue }  // blank line

            if headerPending {
                headerPending = false
                try configure(columns: splitHeader(recordStart, contentEnd))
                bindTargets(batch)
                continue
            }
            recordsRead += 1
            try decodeRecord(recordStart, contentEnd, recordOffset: recordOffset, base: base, batch: batch, deadLetters: deadLetters, bufferEnd: end)
        }
        return p - bytes
    }

    private func rejectTooLong(_ p: UnsafePointer<UInt8>, line: Int64, deadLetters: DeadLetters) throws {
        try deadLetters.reject(source: sourceName, record: line, offset: bytesConsumed,
                               data: UnsafeRawBufferPointer(start: p, count: min(1024, maxRecordBytes)),
                               reason: tooLongReason, detail: "record longer than \(maxRecordBytes) bytes; skipped to its end")
    }

    private func splitHeader(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> [String] {
        var names: [String] = []
        var p = start
        // Skip a UTF-8 byte order mark.
        if end - p >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { p += 3 }
        while true {
            let (fieldStart, fieldEnd, after) = nextField(p, end)
            let name = String(decoding: UnsafeBufferPointer(start: fieldStart, count: fieldEnd - fieldStart), as: UTF8.self)
            names.append(name.trimmingSpaces())
            guard let after else { break }
            p = after
        }
        return names
    }

    /// The next field from `p`: its bytes (unquoted into scratch if quoted) and where the next field starts (nil at the end).
    @inline(__always)
    private func nextField(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> (UnsafePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>?) {
        var q = p
        if q < end && q.pointee == 0x22 {
            return nextQuotedField(p, end)
        }
        let d = delimiter
        while q < end && q.pointee != d { q += 1 }
        return (p, q, q < end ? q + 1 : nil)
    }

    private func nextQuotedField(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> (UnsafePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>?) {
        unquoted.removeAll(keepingCapacity: true)
        var q = p + 1
        while q < end {
            let c = q.pointee
            if c == 0x22 {
                if q + 1 < end && (q + 1).pointee == 0x22 {
                    unquoted.append(0x22)
                    q += 2
                    continue
                }
                q += 1
                break
            }
            unquoted.append(c)
            q += 1
        }
        // Anything between the closing quote and the delimiter is tolerated and dropped.
        while q < end && q.pointee != delimiter { q += 1 }
        let after = q < end ? q + 1 : nil
        unquoted.append(0)  // keep a valid base address for empty fields
        return unquoted.withUnsafeBufferPointer { buf in
            let b = buf.baseAddress!
            return (b, b + buf.count - 1, after)
        }
    }

    @inline(__always)
    private func decodeRecord(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, recordOffset: Int64,
                              base: UnsafePointer<UInt8>, batch: Batch, deadLetters: DeadLetters, bufferEnd: UnsafePointer<UInt8>) throws {
        let row = batch.count
        var p = start
        var column = 0
        let arena = batch.arena
        let targets = rawTargets
        let expected = expectedColumns
        let d = delimiter
        while true {
            // Find the field: the common unquoted case inline, quoted fields out of line.
            let quoted = p < end && p.pointee == 0x22
            let fieldStart: UnsafePointer<UInt8>, fieldEnd: UnsafePointer<UInt8>, after: UnsafePointer<UInt8>?
            if quoted {
                (fieldStart, fieldEnd, after) = nextQuotedField(p, end)
            } else {
                let q = firstByte(d, from: p, to: end)
                fieldStart = p
                fieldEnd = q
                after = q < end ? q + 1 : nil
            }
            if column < expected {
                let t = targets[column]
                let n = fieldEnd - fieldStart
                switch t.kind {
                case 2:
                    if n == 0 {
                        t.validity![row] = 0
                    } else if let v = NumberParsing.parseDouble(fieldStart, n) ?? parseTrimmed(fieldStart, n, NumberParsing.parseDouble) {
                        t.values!.assumingMemoryBound(to: Double.self)[row] = v
                        t.validity![row] = 1
                    } else {
                        return try rejectInvalid(column, fieldStart, n, "float64", start, end, recordOffset, deadLetters)
                    }
                case 1:
                    if n == 0 {
                        t.validity![row] = 0
                    } else if let v = NumberParsing.parseInt64(fieldStart, n) ?? parseTrimmed(fieldStart, n, NumberParsing.parseInt64) {
                        t.values!.assumingMemoryBound(to: Int64.self)[row] = v
                        t.validity![row] = 1
                    } else {
                        return try rejectInvalid(column, fieldStart, n, "int64", start, end, recordOffset, deadLetters)
                    }
                case 3:
                    if n == 0 {
                        t.validity![row] = 0
                    } else if let v = NumberParsing.parseBool(fieldStart, n) ?? parseTrimmed(fieldStart, n, NumberParsing.parseBool) {
                        t.values!.assumingMemoryBound(to: UInt8.self)[row] = v ? 1 : 0
                        t.validity![row] = 1
                    } else {
                        return try rejectInvalid(column, fieldStart, n, "bool", start, end, recordOffset, deadLetters)
                    }
                case 4:
                    if n == 0 && !quoted {
                        t.validity![row] = 0
                    } else {
                        t.validity![row] = 1
                        t.values!.assumingMemoryBound(to: StringSlot.self)[row] = arena.append(fieldStart, n)
                        if let ids = t.keyIDs {
                            // An unquoted field lies in the input buffer, which may be read up to its end.
                            let readable = quoted ? 0 : bufferEnd - fieldStart
                            ids[row] = t.dictionary!._withUnsafeGuaranteedRef { $0.intern(fieldStart, n, readable: readable) }
                        }
                    }
                default:
                    break
                }
            }
            column += 1
            guard let after else { break }
            p = after
        }
        if column != expected {
            try deadLetters.reject(source: sourceName, record: currentLine, offset: recordOffset,
                                   data: UnsafeRawBufferPointer(start: start, count: end - start), reason: malformedReason,
                                   detail: "expected \(expected) fields (\(columnNames.joined(separator: ","))), found \(column)")
            return
        }
        batch.recordNumbers[row] = currentLine
        batch.recordOffsets[row] = recordOffset
        batch.recordStarts[row] = start - base
        batch.recordLengths[row] = Int32(truncatingIfNeeded: end - start)
        batch.count = row + 1
    }

    private func parseTrimmed<T>(_ p: UnsafePointer<UInt8>, _ n: Int, _ parse: (UnsafePointer<UInt8>, Int) -> T?) -> T? {
        var s = p, e = p + n
        while s < e && (s.pointee == 0x20 || s.pointee == 0x09) { s += 1 }
        while e > s && ((e - 1).pointee == 0x20 || (e - 1).pointee == 0x09) { e -= 1 }
        if s == p && e == p + n { return nil }
        return parse(s, e - s)
    }

    private func rejectInvalid(_ column: Int, _ value: UnsafePointer<UInt8>, _ n: Int, _ type: String,
                               _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ offset: Int64, _ deadLetters: DeadLetters) throws {
        let text = String(decoding: UnsafeBufferPointer(start: value, count: min(n, 256)), as: UTF8.self)
        try deadLetters.reject(source: sourceName, record: currentLine, offset: offset,
                               data: UnsafeRawBufferPointer(start: start, count: end - start), reason: invalidReason,
                               value: text, detail: "field '\(columnNames[column])' is not a valid \(type)")
    }
}

/// The first position in `[p, end)` holding `byte`, or `end`. Scans eight bytes at a time
/// (SWAR: a zero byte in `word ^ pattern` marks a match).
@inline(__always)
func firstByte(_ byte: UInt8, from p: UnsafePointer<UInt8>, to end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
    var q = p
    let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
    while end - q >= 8 {
        let x = UnsafeRawPointer(q).loadUnaligned(as: UInt64.self) ^ pattern
        let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        if found != 0 { return q + (found.trailingZeroBitCount >> 3) }
        q += 8
    }
    while q < end && q.pointee != byte { q += 1 }
    return q
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
