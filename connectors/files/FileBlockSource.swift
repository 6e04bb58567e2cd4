import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Cuts a file (or stdin, `-`) into blocks of whole records for the parallel
/// runtime: it reads ahead on the reader thread, finds record boundaries
/// (newlines; for CSV, newlines outside quoted fields) and copies each run of
/// at most `maxLines` lines into a block. Decoding happens on the workers.
///
/// A CSV header is read once, in `open`, and given to every worker's decoder.
/// A record longer than `maxRecordBytes` becomes a block of its own marked
/// oversized (its first bytes only); the rest of it is skipped.
/// On a pipe or terminal a block is handed over as soon as the data read so
/// far holds a record, so a slow producer does not wait for a full block.
public final class FileBlockSource: BlockSource {
    public let format: RecordFormat
    public let hasHeader: Bool
    public var maxRecordBytes = 1 << 20
    /// On a pipe or terminal: how long a partly filled block may wait for more records before it
    /// is handed over (the micro-batch "linger"). 0 hands over whatever has arrived at once.
    public var linger: Double = 0
    private var blockStarted: Double = 0
    private let input: InputFile
    private var nextLine: Int64 = 1
    private var nextOffset: Int64 = 0
    private var header: [String]?

    public var name: String { input.name }
    public var bytesRead: Int64 { input.bytesRead }
    public var totalBytes: Int64? { input.totalBytes }

    public init(path: String, format: RecordFormat, hasHeader: Bool = true, bufferSize: Int = 4 << 20) throws {
        self.format = format
        self.hasHeader = hasHeader && format == .csv
        input = try InputFile(path: path, bufferSize: max(bufferSize, (1 << 20) * 2 + 1))
    }

    public func open(schema: Schema) throws {
        guard hasHeader else { return }
        // The header is the first line.
        while true {
            if let nl = memchr(input.buffer + input.start, 0x0A, input.end - input.start) {
                let lineEnd = UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) - UnsafePointer(input.buffer)
                let probe = CSVDecoder()
                probe.sourceName = name
                header = probe.headerNames(UnsafeBufferPointer(start: input.buffer + input.start, count: lineEnd + 1 - input.start))
                nextOffset += Int64(lineEnd + 1 - input.start)
                nextLine += 1
                input.start = lineEnd + 1
                break
            }
            if input.eof {
                header = input.end > input.start ? CSVDecoder().headerNames(UnsafeBufferPointer(start: input.buffer + input.start, count: input.end - input.start)) : []
                nextOffset += Int64(input.end - input.start)
                input.start = input.end
                break
            }
            try input.refill()
        }
        // Check the header against the schema now, with the decoder's own message.
        let check = makeDecoder()
        check.sourceName = name
        try check.open(schema: schema)
    }

    public func makeDecoder() -> any RecordDecoder {
        let decoder: any RecordDecoder
        switch format {
        case .csv: decoder = hasHeader ? CSVDecoder(columns: header ?? []) : CSVDecoder(hasHeader: false)
        case .ndjson: decoder = NDJSONDecoder()
        }
        decoder.sourceName = name
        decoder.maxRecordBytes = maxRecordBytes
        return decoder
    }

    public func next(into block: Block, maxLines: Int) throws -> Bool {
        block.count = 0
        block.lines = 0
        block.oversizedRecord = false
        block.firstLine = nextLine
        block.offset = nextOffset
        blockStarted = 0
        while true {
            if block.count > 0 && blockStarted == 0 { blockStarted = monotonicSeconds() }
            if let (cut, lines) = fastCut(maxLines: maxLines - block.lines, room: block.capacity - block.count) {
                append(to: block, cut, lines: lines)
                if block.lines >= maxLines || block.capacity - block.count < block.capacity / 16 { return true }
                continue
            }
            if input.start == input.end {
                if input.eof { return block.count > 0 }
                if block.count > 0 && !input.isRegularFile && !waitForMore() { return true }
                try input.refill()
                continue
            }
            guard let (recordEnd, lines) = findRecordEnd() else {
                // No complete record in the input.buffer.
                if input.eof {
                    // The final record has no newline.
                    if block.count > 0 && (input.end - input.start > block.capacity - block.count || block.lines >= maxLines) { return true }
                    if input.end - input.start <= block.capacity - block.count {
                        append(to: block, input.end, lines: 1)
                        continue
                    }
                }
                if input.end - input.start > maxRecordBytes {
                    if block.count > 0 { return true }
                    try cutOversized(into: block)
                    return true
                }
                if block.count > 0 && !input.isRegularFile && !waitForMore() { return true }
                try input.refill()
                continue
            }
            if block.lines > 0 && (block.lines + lines > maxLines || recordEnd - input.start > block.capacity - block.count) {
                return true
            }
            if recordEnd - input.start > block.capacity - block.count {
                try cutOversized(into: block)
                return true
            }
            append(to: block, recordEnd, lines: lines)
            if block.lines >= maxLines { return true }
        }
    }

    /// The common case in one pass: a run of up to `maxLines` complete lines with no quote in
    /// them (so every newline ends a record), found by counting newlines eight bytes at a time.
    /// Returns nil when the input.buffer needs the careful, record-by-record path.
    private func fastCut(maxLines: Int, room: Int) -> (Int, Int)? {
        guard maxLines > 0 else { return nil }
        let limit = min(input.end, input.start + room)
        guard limit > input.start else { return nil }
        let base = UnsafePointer(input.buffer)
        let newline: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var p = input.start
        var lines = 0
        var lastCut = -1
        while limit - p >= 8 {
            let x = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self) ^ newline
            var found = (x &- ones) & ~x & highs
            if found != 0 {
                // Borrows can flag a byte after a real match (e.g. 0x0B after 0x0A): check each candidate.
                while found != 0 {
                    let i = found.trailingZeroBitCount >> 3
                    found &= found &- 1
                    guard base[p + i] == 0x0A else { continue }
                    lines += 1
                    lastCut = p + i + 1
                    if lines == maxLines { break }
                }
                if lines == maxLines { break }
            }
            p += 8
        }
        if lines < maxLines {
            while p < limit {
                if base[p] == 0x0A {
                    lines += 1
                    lastCut = p + 1
                    if lines == maxLines { break }
                }
                p += 1
            }
        }
        guard lastCut > input.start else { return nil }
        if format == .csv, memchr(base + input.start, 0x22, lastCut - input.start) != nil { return nil }
        return (lastCut, lines)
    }

    private func append(to block: Block, _ recordEnd: Int, lines: Int) {
        let n = recordEnd - input.start
        (block.bytes + block.count).update(from: input.buffer + input.start, count: n)
        block.count += n
        block.lines += lines
        nextLine += Int64(lines)
        nextOffset += Int64(n)
        input.start = recordEnd
    }

    /// The input.end (exclusive) of the record at `input.start`, and the lines it spans; nil if the input.buffer holds no complete record.
    private func findRecordEnd() -> (Int, Int)? {
        let base = UnsafePointer(input.buffer)
        let limit = min(input.end, input.start + maxRecordBytes + 1)
        if format == .csv {
            // A newline inside a quoted field does not input.end the record.
            var scanner = CSVRecordScanner()
            guard let e = scanner.findEnd(base + input.start, base + limit, delimiter: UInt8(ascii: ",")) else { return nil }
            return (e - base + 1, 1 + scanner.embeddedNewlines)
        }
        guard let nl = memchr(base + input.start, 0x0A, limit - input.start) else { return nil }
        return (UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) - base + 1, 1)
    }

    /// Makes `block` hold the first bytes of an over-long record and skips the rest of it.
    private func cutOversized(into block: Block) throws {
        let keep = min(1024, input.end - input.start, block.capacity)
        (block.bytes).update(from: input.buffer + input.start, count: keep)
        block.count = keep
        block.lines = 1
        block.oversizedRecord = true
        block.firstLine = nextLine
        block.offset = nextOffset
        // Skip to the record's input.end (for CSV, a newline outside quotes), reading as needed.
        var scanner = CSVRecordScanner()
        let base = UnsafePointer(input.buffer)
        while true {
            let found: UnsafePointer<UInt8>?
            if format == .csv {
                found = scanner.findEnd(base + input.start, base + input.end, delimiter: UInt8(ascii: ","))
            } else {
                found = memchr(input.buffer + input.start, 0x0A, input.end - input.start).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
            }
            if let found {
                let next = found - base + 1
                nextOffset += Int64(next - input.start)
                input.start = next
                break
            }
            nextOffset += Int64(input.end - input.start)
            input.start = input.end
            if input.eof { break }
            try input.refill()
        }
        nextLine += 1 + Int64(scanner.embeddedNewlines)
    }

    /// Whether more input arrives before the linger deadline of the block being filled.
    private func waitForMore() -> Bool {
        guard linger > 0 else { return false }
        return input.waitReadable(blockStarted + linger - monotonicSeconds())
    }
}
