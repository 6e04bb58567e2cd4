import Sluice

/// Writes rows as RFC 4180 CSV with a header line. Strings are quoted only
/// when they contain a comma, quote, or line break (and the empty string, as
/// `""`); null is an empty field; doubles use the shortest text that reads back
/// exactly, and NaN or ±infinity are written as null.
public final class CSVEncoder: RecordSink {
    private let out: OutputBuffer
    private let writeHeader: Bool
    private let ownsSink: Bool
    public private(set) var recordsWritten: Int64 = 0
    /// Round floating-point values to this many decimal places on output (nil: every digit, the
    /// shortest text that reads back exactly). An edge agent sends much less with 3 or 4.
    public var decimals: Int?

    /// - Parameters:
    ///   - wholeRecords: hand the sink whole lines only, so several encoders can share it.
    ///   - ownsSink: close a file sink on `close()`; false when the sink is shared.
    public init(sink: any ByteSink, writeHeader: Bool = true, wholeRecords: Bool = false, ownsSink: Bool = true) {
        out = OutputBuffer(sink: sink, wholeRecords: wholeRecords)
        self.writeHeader = writeHeader
        self.ownsSink = ownsSink
    }

    public func open(schema: Schema) throws {
        guard writeHeader else { return }
        for (i, f) in schema.fields.enumerated() {
            if i > 0 { try out.append(UInt8(ascii: ",")) }
            try appendString(Array(f.name.utf8))
        }
        try out.append(UInt8(ascii: "\n"))
        out.endRecord()
        // Out now: when shards share the file, the header must precede every shard's rows.
        try out.drain()
    }

    private func appendString(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try appendString($0.baseAddress!, $0.count) }
    }

    private func appendString(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        // An empty string is quoted so it reads back as "", not as null (an empty field).
        var needsQuotes = n == 0
        for i in 0..<n {
            let c = p[i]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == 0x0A || c == 0x0D { needsQuotes = true; break }
        }
        if !needsQuotes {
            try out.append(p, n)
            return
        }
        try out.append(UInt8(ascii: "\""))
        for i in 0..<n {
            if p[i] == UInt8(ascii: "\"") { try out.append(UInt8(ascii: "\"")) }
            try out.append(p[i])
        }
        try out.append(UInt8(ascii: "\""))
    }

    public func write(_ batch: Batch, slots: [Int]) throws {
        let columns = slots.map { ColumnCursor(batch.columns[$0]) }
        let arena = batch.arena
        try columns.withUnsafeBufferPointer { columns in
            for j in 0..<batch.selectedCount {
                let r = Int(batch.selection[j])
                for i in 0..<columns.count {
                    let c = columns[i]
                    if i > 0 { try out.append(UInt8(ascii: ",")) }
                    guard c.validity[r] != 0 else { continue }
                    switch c.type {
                    case .int64: try out.append(int: c.values.assumingMemoryBound(to: Int64.self)[r])
                    case .float64:
                        // CSV has no spelling for NaN or ±infinity that readers agree on: write null (an empty field), as NDJSON does.
                        let v = c.values.assumingMemoryBound(to: Double.self)[r]
                        if v.isFinite { try out.append(double: v, decimals: decimals) }
                    case .bool: try out.append(c.values.assumingMemoryBound(to: UInt8.self)[r] != 0 ? "true" : "false")
                    case .string:
                        let s = c.values.assumingMemoryBound(to: StringSlot.self)[r]
                        try appendString(arena.base + Int(s.offset), Int(s.length))
                    }
                }
                try out.append(UInt8(ascii: "\n"))
                out.endRecord()
            }
        }
        recordsWritten += Int64(batch.selectedCount)
    }

    public func flush() throws {
        try out.flush()
        try out.sink.flush()
    }

    public func close() throws {
        try out.flush()
        if ownsSink, let file = out.sink as? FileByteSink { try file.close() }
    }
}

/// A column's buffers as plain pointers, so per-row encoding touches no reference counts.
struct ColumnCursor {
    let type: DataType
    let values: UnsafeMutableRawPointer
    let validity: UnsafeMutablePointer<UInt8>
    init(_ column: Column) {
        type = column.type
        values = column.values
        validity = column.validity
    }
}
