import Sluice
import SluiceFiles
#if canImport(Glibc)
import Glibc
#endif

/// The agent's standard input (`input: {stdin: true}`): another program pipes its lines in.
///
/// Unlike the file reader of `sluice run`, it never blocks in `read` — it polls, so a stop request
/// (SIGTERM) ends it within a tenth of a second even while the writer is silent, and while nothing
/// arrives an empty block goes out every second so checkpoints and metrics go on. At the end of the
/// input open windows are flushed, as for a file; after a stop they stay open in the final checkpoint.
///
/// The window state is checkpointed with no position (a pipe cannot be read again): after a restart
/// the agent continues the windows with whatever arrives next. Lines read after the last checkpoint
/// are lost if the process is killed; a graceful stop loses nothing it had read.
public final class StdinSource: BlockSource, CheckpointableSource {
    public let format: RecordFormat
    public let hasHeader: Bool
    public let stop: StopSignal
    public var name: String { "stdin" }
    public private(set) var bytesRead: Int64 = 0
    public var totalBytes: Int64? { nil }
    private let fd: Int32
    private var pending: [UInt8] = []
    private var header: [String]?
    private var line: Int64 = 1
    private var ended = false

    /// - Parameter fd: the descriptor to read (standard input; a pipe in tests).
    public init(format: RecordFormat, hasHeader: Bool = true, stop: StopSignal, fd: Int32 = 0) {
        self.format = format
        self.hasHeader = hasHeader && format == .csv
        self.stop = stop
        self.fd = fd
    }

    public func open(schema: Schema) throws {
        guard hasHeader else { return }
        // The header: the first line, read before any block.
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while !stop.isRequested {
            guard waitReadable() else { continue }
            let n = read(fd, &byte, 1)
            if n <= 0 { break }
            bytes.append(byte)
            if byte == UInt8(ascii: "\n") { break }
        }
        bytesRead += Int64(bytes.count)
        line += 1
        header = bytes.withUnsafeBufferPointer { CSVDecoder().headerNames($0) }
    }

    public func makeDecoder() -> any RecordDecoder {
        if format == .csv { return hasHeader ? CSVDecoder(columns: header ?? []) : CSVDecoder(hasHeader: false) }
        return format.makeDecoder(csvHeader: false)
    }

    /// Waits up to 100 ms for input; true if there is some (or the end of it).
    private func waitReadable() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 100) > 0
    }

    public func next(into block: Block, maxLines: Int) throws -> Bool {
        block.count = 0
        block.lines = 0
        block.offset = bytesRead - Int64(pending.count)
        block.firstLine = line
        block.oversizedRecord = false
        if ended { return false }
        let n = min(pending.count, block.capacity)
        block.bytes.update(from: pending, count: n)
        block.count = n
        pending.removeFirst(n)
        var idle = 0
        while true {
            let (lines, end) = block.wholeLines(max: maxLines)
            if lines > 0 {
                pending = Array(UnsafeBufferPointer(start: block.bytes + end, count: block.count - end)) + pending
                block.count = end
                block.lines = lines
                line += Int64(lines)
                return true
            }
            if stop.isRequested || idle >= 10 {
                // Stopping, or a second without a whole line: hand out nothing, keep the partial line.
                pending = Array(UnsafeBufferPointer(start: block.bytes, count: block.count)) + pending
                block.count = 0
                return !stop.isRequested
            }
            guard waitReadable() else { idle += 1; continue }
            let room = min(1 << 16, block.capacity - block.count)
            if room == 0 { throw InputError("stdin: a line longer than \(block.capacity) bytes") }
            let got = read(fd, block.bytes + block.count, room)
            if got <= 0 {
                // The end of the input: a last line without its newline still counts.
                ended = true
                if block.count > 0 && block.count < block.capacity {
                    block.bytes[block.count] = UInt8(ascii: "\n")
                    block.count += 1
                    block.lines = 1
                    line += 1
                    return true
                }
                return false
            }
            bytesRead += Int64(got)
            block.count += got
        }
    }

    public var checkpointPositions: [Int64] { [] }
    public func resume(from positions: [Int64]) throws {}
    public func checkpointCompleted(_ positions: [Int64]) throws {}
    public var endedByStop: Bool { stop.isRequested }
}
