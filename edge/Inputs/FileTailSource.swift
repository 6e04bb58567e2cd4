import Sluice
import SluiceFiles
#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing file, as `tail -F` does: reads what is there, then waits for more. Its position
/// (inode and byte offset of the next unread line) goes into checkpoints, so a restart continues
/// exactly where the last checkpoint was. Survives rotation (the path now names a new file: the old
/// one is read to its end, then the new one from its start) and truncation (the file shrank below
/// the position: reading starts over at its beginning). Both are reported through ``onEvent``.
///
/// Only complete lines are handed out; a line still being written waits for its newline. While
/// nothing arrives, an empty block goes out every second so checkpoints and metrics go on.
public final class FileTailSource: BlockSource, CheckpointableSource {
    public let path: String
    public let format: RecordFormat
    public let hasHeader: Bool
    public let stop: StopSignal
    public var pollSeconds = 0.1
    /// Told about rotation, truncation and a missing file.
    public var onEvent: ((String) -> Void)?
    public var name: String { path }
    public private(set) var bytesRead: Int64 = 0
    public var totalBytes: Int64? { nil }

    private var fd: Int32 = -1
    private var inode: UInt64 = 0
    /// Offset of the next byte to read from `fd`; `pending` holds the bytes of an unfinished line before it.
    private var offset: Int64 = 0
    private var pending: [UInt8] = []
    private var headerBytes: Int64 = 0
    private var header: [String]?
    private var line: Int64 = 1
    private var resumeAt: (inode: UInt64, offset: Int64)?
    private let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)

    public init(path: String, format: RecordFormat, hasHeader: Bool = true, stop: StopSignal = StopSignal()) {
        self.path = path
        self.format = format
        self.hasHeader = hasHeader && format == .csv
        self.stop = stop
    }

    deinit {
        if fd >= 0 { close(fd) }
        chunk.deallocate()
    }

    public func open(schema: Schema) throws {
        try openFile(resuming: resumeAt)
    }

    public func makeDecoder() -> any RecordDecoder {
        if format == .csv { return hasHeader ? CSVDecoder(columns: header ?? []) : CSVDecoder(hasHeader: false) }
        return format.makeDecoder(csvHeader: false)
    }

    /// Opens the file at `path` (waiting for it to appear), at the resume position if it is the same file.
    private func openFile(resuming: (inode: UInt64, offset: Int64)?) throws {
        while true {
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { break }
            if stop.isRequested { return }
            usleep(UInt32(pollSeconds * 1_000_000))
        }
        var st = stat()
        fstat(fd, &st)
        inode = UInt64(st.st_ino)
        pending = []
        offset = 0
        if hasHeader {
            // The header: the first line (read once; the file's later lines follow the same columns).
            let n = pread(fd, chunk, 1 << 16, 0)
            if n > 0, let end = (0..<n).first(where: { chunk[$0] == UInt8(ascii: "\n") }) {
                header = CSVDecoder().headerNames(UnsafeBufferPointer(start: chunk, count: end + 1))
                headerBytes = Int64(end + 1)
            }
        }
        if let resuming, resuming.inode == inode {
            offset = Int64(st.st_size) >= resuming.offset ? resuming.offset : 0
            if offset == 0 && resuming.offset > 0 { onEvent?("\(path) is shorter than the saved position \(resuming.offset): truncated while stopped; reading from its start") }
        } else if let resuming, resuming.offset > 0 {
            onEvent?("\(path) is another file than at the saved position (rotated while stopped): reading the new file from its start")
        }
        if offset < headerBytes { offset = headerBytes }
    }

    public func next(into block: Block, maxLines: Int) throws -> Bool {
        block.count = 0
        block.lines = 0
        block.offset = offset - Int64(pending.count)
        block.firstLine = line
        block.oversizedRecord = false
        let idleSince = monotonicSeconds()
        var pendingTaken = false
        /// Bytes after the last whole line handed out go back to `pending` (they are not handed out yet).
        func keepRest(from end: Int) {
            if end < block.count { pending = Array(UnsafeBufferPointer(start: block.bytes + end, count: block.count - end)) + pending }
            block.count = end
        }
        while !stop.isRequested {
            if !pendingTaken && !pending.isEmpty {
                // The bytes left over from the previous block come first.
                pendingTaken = true
                let n = min(pending.count, block.capacity)
                block.bytes.update(from: pending, count: n)
                block.count = n
                pending.removeFirst(n)
            } else {
                let room = min(1 << 16, block.capacity - block.count)
                if room == 0 { throw InputError("\(path): a line longer than \(block.capacity) bytes") }
                let n = pread(fd, block.bytes + block.count, room, off_t(offset))
                if n <= 0 {
                    // At the end of the file: rotated? truncated? else wait (an empty block each second).
                    var st = stat()
                    if stat(path, &st) == 0, UInt64(st.st_ino) != inode {
                        onEvent?("\(path) was rotated: continuing with the new file")
                        close(fd)
                        keepRest(from: 0)
                        pending = []  // a last line without its newline ends with its file
                        try openFile(resuming: nil)
                        continue
                    }
                    var own = stat()
                    if fstat(fd, &own) == 0, Int64(own.st_size) < offset {
                        onEvent?("\(path) was truncated: reading from its start")
                        offset = max(0, headerBytes)
                        pending = []
                        block.count = 0
                        continue
                    }
                    if monotonicSeconds() - idleSince >= 1 {
                        keepRest(from: 0)
                        return true
                    }
                    usleep(UInt32(pollSeconds * 1_000_000))
                    continue
                }
                offset += Int64(n)
                bytesRead += Int64(n)
                block.count += n
            }
            let (lines, end) = block.wholeLines(max: maxLines)
            if lines > 0 {
                keepRest(from: end)
                block.lines = lines
                line += Int64(lines)
                return true
            }
        }
        keepRest(from: 0)
        return false
    }

    public var checkpointPositions: [Int64] { [Int64(bitPattern: inode), offset - Int64(pending.count)] }

    public func resume(from positions: [Int64]) throws {
        guard positions.count == 2 else { throw InputError("a file tail's checkpoint holds 2 positions, this one \(positions.count)") }
        resumeAt = (UInt64(bitPattern: positions[0]), positions[1])
    }

    public func checkpointCompleted(_ positions: [Int64]) throws {}

    public var endedByStop: Bool { stop.isRequested }
}
