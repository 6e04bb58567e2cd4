import Sluice

/// Writes rows as RFC 4180 CSV with a header line. Strings are quoted only
/// when they contain a comma, quote, or line break; null is an empty field;
/// doubles use the shortest text that reads back exactly.
public final class CSVEncoder: RecordSink {
    private let out: OutputBuffer
    private let writeHeader: Bool
    public private(set) var recordsWritten: Int64 = 0

    public init(sink: any ByteSink, writeHeader: Bool = true) {
        out = OutputBuffer(sink: sink)
        self.writeHeader = writeHeader
    }

    public func open(schema: Schema) throws {
        guard writeHeader else { return }
        for (i, f) in schema.fields.enumerated() {
            if i > 0 { try out.append(UInt8(ascii: ",")) }
            try appendString(Array(f.name.utf8))
        }
        try out.append(UInt8(ascii: "\n"))
    }

    private func appendString(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try appendString($0.baseAddress!, $0.count) }
    }

    private func appendString(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        var needsQuotes = false
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
        let columns = slots.map { batch.columns[$0] }
        let arena = batch.arena
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            for (i, c) in columns.enumerated() {
                if i > 0 { try out.append(UInt8(ascii: ",")) }
                guard c.validity[r] != 0 else { continue }
                switch c.type {
                case .int64: try out.append(int: c.int64[r])
                case .float64: try out.append(double: c.float64[r])
                case .bool: try out.append(c.bools[r] != 0 ? "true" : "false")
                case .string:
                    let s = c.strings[r]
                    try appendString(arena.base + Int(s.offset), Int(s.length))
                }
            }
            try out.append(UInt8(ascii: "\n"))
        }
        recordsWritten += Int64(batch.selectedCount)
    }

    public func close() throws {
        try out.flush()
        if let file = out.sink as? FileByteSink { try file.close() }
    }
}
