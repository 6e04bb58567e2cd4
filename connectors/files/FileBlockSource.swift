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
    public let name: String
    public let format: RecordFormat
    public let hasHeader: Bool
    public var maxRecordBytes = 1 << 20
    /// On a pipe or terminal: how long a partly filled block may wait for more records before it
    /// is handed over (the micro-batch "linger"). 0 hands over whatever has arrived at once.
    public var linger: Double = 0
    private var blockStarted: Double = 0
    private let fd: Int32
    private let ownsFD: Bool
    private let isRegularFile: Bool
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var start = 0
    private var end = 0
    private var eof = false
    private var nextLine: Int64 = 1
    private var nextOffset: Int64 = 0
    private var header: [String]?
    public private(set) var bytesRead: Int64 = 0
    public let totalBytes: Int64?

    public init(path: String, format: RecordFormat, hasHeader: Bool = true, bufferSize: Int = 4 << 20) throws {
        self.format = format
        self.hasHeader = hasHeader && format == .csv
        if path == "-" {
            fd = 0
            ownsFD = false
            name = "stdin"
            totalBytes = nil
            var st = stat()
            isRegularFile = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        } else {
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw InputError("cannot read \(path): \(String(cString: strerror(errno)))") }
            ownsFD = true
            name = path
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw InputError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(fd)
                throw InputError("cannot read \(path): it is a directory")
            }
            isRegularFile = (st.st_mode & S_IFMT) == S_IFREG
            totalBytes = isRegularFile ? Int64(st.st_size) : nil
            #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
            #endif
        }
        capacity = max(bufferSize, (1 << 20) * 2 + 1)
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if ownsFD { Glibc.close(fd) }
    }

    public func open(schema: Schema) throws {
        guard hasHeader else { return }
        // The header is the first line.
        while true {
            if let nl = memchr(buffer + start, 0x0A, end - start) {
                let lineEnd = UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) - UnsafePointer(buffer)
                let probe = CSVDecoder()
                probe.sourceName = name
                header = probe.headerNames(UnsafeBufferPointer(start: buffer + start, count: lineEnd + 1 - start))
                nextOffset += Int64(lineEnd + 1 - start)
                nextLine += 1
                start = lineEnd + 1
                break
            }
            if eof {
                header = end > start ? CSVDecoder().headerNames(UnsafeBufferPointer(start: buffer + start, count: end - start)) : []
                nextOffset += Int64(end - start)
                start = end
                break
            }
            try refill()
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
            if start == end {
                if eof { return block.count > 0 }
                if block.count > 0 && !isRegularFile && !waitForMore() { return true }
                try refill()
                continue
            }
            guard let (recordEnd, lines) = findRecordEnd() else {
                // No complete record in the buffer.
                if eof {
                    // The final record has no newline.
                    if block.count > 0 && (end - start > block.capacity - block.count || block.lines >= maxLines) { return true }
                    if end - start <= block.capacity - block.count {
                        append(to: block, end, lines: 1)
                        continue
                    }
                }
                if end - start > maxRecordBytes {
                    if block.count > 0 { return true }
                    try cutOversized(into: block)
                    return true
                }
                if block.count > 0 && !isRegularFile && !waitForMore() { return true }
                try refill()
                continue
            }
            if block.lines > 0 && (block.lines + lines > maxLines || recordEnd - start > block.capacity - block.count) {
                return true
            }
            if recordEnd - start > block.capacity - block.count {
                try cutOversized(into: block)
                return true
            }
            append(to: block, recordEnd, lines: lines)
            if block.lines >= maxLines { return true }
        }
    }

    /// The common case in one pass: a run of up to `maxLines` complete lines with no quote in
    /// them (so every newline ends a record), found by counting newlines eight bytes at a time.
    /// Returns nil when the buffer needs the careful, record-by-record path.
    private func fastCut(maxLines: Int, room: Int) -> (Int, Int)? {
        guard maxLines > 0 else { return nil }
        let limit = min(end, start + room)
        guard limit > start else { return nil }
        let base = UnsafePointer(buffer)
        let newline: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var p = start
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
        guard lastCut > start else { return nil }
        if format == .csv, memchr(base + start, 0x22, lastCut - start) != nil { return nil }
        return (lastCut, lines)
    }

    private func append(to block: Block, _ recordEnd: Int, lines: Int) {
        let n = recordEnd - start
        (block.bytes + block.count).update(from: buffer + start, count: n)
        block.count += n
        block.lines += lines
        nextLine += Int64(lines)
        nextOffset += Int64(n)
        start = recordEnd
    }

    /// The end (exclusive) of the record at `start`, and the lines it spans; nil if the buffer holds no complete record.
    private func findRecordEnd() -> (Int, Int)? {
        let base = UnsafePointer(buffer)
        let limit = min(end, start + maxRecordBytes + 1)
        if format == .csv {
            // A newline inside a quoted field does not end the record.
            var scanner = CSVRecordScanner()
            guard let e = scanner.findEnd(base + start, base + limit, delimiter: UInt8(ascii: ",")) else { return nil }
            return (e - base + 1, 1 + scanner.embeddedNewlines)
        }
        guard let nl = memchr(base + start, 0x0A, limit - start) else { return nil }
        return (UnsafePointer(nl.assumingMemoryBound(to: UInt8.self)) - base + 1, 1)
    }

    /// Makes `block` hold the first bytes of an over-long record and skips the rest of it.
    private func cutOversized(into block: Block) throws {
        let keep = min(1024, end - start, block.capacity)
        (block.bytes).update(from: buffer + start, count: keep)
        block.count = keep
        block.lines = 1
        block.oversizedRecord = true
        block.firstLine = nextLine
        block.offset = nextOffset
        // Skip to the record's end (for CSV, a newline outside quotes), reading as needed.
        var scanner = CSVRecordScanner()
        let base = UnsafePointer(buffer)
        while true {
            let found: UnsafePointer<UInt8>?
            if format == .csv {
                found = scanner.findEnd(base + start, base + end, delimiter: UInt8(ascii: ","))
            } else {
                found = memchr(buffer + start, 0x0A, end - start).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
            }
            if let found {
                let next = found - base + 1
                nextOffset += Int64(next - start)
                start = next
                break
            }
            nextOffset += Int64(end - start)
            start = end
            if eof { break }
            try refill()
        }
        nextLine += 1 + Int64(scanner.embeddedNewlines)
    }

    /// Whether more input arrives before the linger deadline of the block being filled.
    private func waitForMore() -> Bool {
        guard linger > 0 else { return false }
        let left = blockStarted + linger - monotonicSeconds()
        guard left > 0 else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, Int32((left * 1000).rounded(.up))) > 0
    }

    /// Moves unconsumed bytes to the front and reads more.
    private func refill() throws {
        if start > 0 {
            let tail = end - start
            if tail > 0 { buffer.update(from: buffer + start, count: tail) }
            start = 0
            end = tail
        }
        while end < capacity {
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError("cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                eof = true
                return
            }
            end += n
            bytesRead += Int64(n)
            if !isRegularFile || end - start >= capacity / 2 { return }
        }
    }
}
