import Sluice

/// Writes rows as one JSON object per line. Null is `null`; a non-finite
/// double (NaN, ±infinity, which JSON cannot represent) is written as `null`
/// too.
public final class NDJSONEncoder: RecordSink {
    private let out: OutputBuffer
    private var keys: [[UInt8]] = []
    public private(set) var recordsWritten: Int64 = 0
    /// Round floating-point values to this many decimal places on output (nil: every digit, the
    /// shortest text that reads back exactly). An edge agent sends much less with 3 or 4.
    public var decimals: Int?

    private let ownsSink: Bool

    /// - Parameters:
    ///   - wholeRecords: hand the sink whole lines only, so several encoders can share it.
    ///   - ownsSink: close a file sink on `close()`; false when the sink is shared.
    public init(sink: any ByteSink, wholeRecords: Bool = false, ownsSink: Bool = true) {
        out = OutputBuffer(sink: sink, wholeRecords: wholeRecords)
        self.ownsSink = ownsSink
    }

    public func open(schema: Schema) throws {
        // Pre-render `"name":` for every field.
        let scratch = MemoryByteSink()
        let b = OutputBuffer(sink: scratch, capacity: 4096)
        keys = try schema.fields.map { f in
            try b.appendJSONString(f.name)
            try b.append(UInt8(ascii: ":"))
            try b.drain()
            defer { scratchReset(scratch) }
            return scratch.bytes
        }
    }

    private func scratchReset(_ s: MemoryByteSink) { s.removeAll() }

    public func write(_ batch: Batch, slots: [Int]) throws {
        let columns = slots.map { batch.columns[$0] }
        let arena = batch.arena
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            try out.append(UInt8(ascii: "{"))
            for (i, c) in columns.enumerated() {
                if i > 0 { try out.append(UInt8(ascii: ",")) }
                try keys[i].withUnsafeBufferPointer { try out.append($0.baseAddress!, $0.count) }
                guard c.validity[r] != 0 else {
                    try out.append("null")
                    continue
                }
                switch c.type {
                case .int64: try out.append(int: c.int64[r])
                case .float64:
                    let v = c.float64[r]
                    if v.isFinite { try out.append(double: v, decimals: decimals) } else { try out.append("null") }
                case .bool: try out.append(c.bools[r] != 0 ? "true" : "false")
                case .string:
                    let s = c.strings[r]
                    try out.append(UInt8(ascii: "\""))
                    try out.appendJSONEscaped(arena.base + Int(s.offset), Int(s.length))
                    try out.append(UInt8(ascii: "\""))
                }
            }
            try out.append("}\n")
            out.endRecord()
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
