/// Finds where CSV records end, following RFC 4180 quoting: a quote opens a
/// quoted field only at the start of a field; inside one, `""` is a quote and
/// newlines and delimiters are data. A quote in the middle of an unquoted
/// field is data too (`5" tall`).
///
/// Resumable: the state survives the end of a buffer, so a record can be
/// scanned (or skipped) across refills.
struct CSVRecordScanner {
    var inQuotes = false
    var atFieldStart = true
    /// Inside quotes, a quote was the last byte seen: it closes the field unless the next byte is a quote too.
    var pendingQuote = false
    /// Newlines seen inside quoted fields of the current record.
    var embeddedNewlines = 0

    mutating func reset() { self = CSVRecordScanner() }

    /// The position of the newline that ends the current record within `[p, end)`, or nil if the
    /// record goes on past `end` (the state then continues from there on the next call).
    mutating func findEnd(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, delimiter: UInt8) -> UnsafePointer<UInt8>? {
        var q = p
        while q < end {
            let c = q.pointee
            if pendingQuote {
                pendingQuote = false
                if c == 0x22 {  // "" inside quotes: a literal quote
                    q += 1
                    continue
                }
                inQuotes = false  // the quote closed the field; look at c again below
            }
            if inQuotes {
                if c == 0x22 {
                    pendingQuote = true
                } else if c == 0x0A {
                    embeddedNewlines += 1
                }
                q += 1
                continue
            }
            if c == 0x0A { return q }
            if c == delimiter {
                atFieldStart = true
            } else {
                if c == 0x22 && atFieldStart { inQuotes = true }
                atFieldStart = false
            }
            q += 1
        }
        return nil
    }
}
