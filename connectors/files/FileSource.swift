import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file (or stdin, `-`) in large chunks and decodes records from it.
///
/// Memory is one buffer (default 4 MiB, at least twice the longest allowed
/// record) whatever the input size. The buffer is refilled only when the
/// decoder has used up every complete record in it and the batch in flight is
/// empty, so rows of a batch can point at their record bytes for dead letters.
public final class FileSource: RecordSource {
    public let name: String
    public let decoder: any RecordDecoder
    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var start = 0  // first unconsumed byte
    private var end = 0  // end of valid bytes
    private var eof = false
    public private(set) var bytesRead: Int64 = 0
    public let totalBytes: Int64?
    /// On a pipe or terminal: how long a partly filled batch may wait for more records (the
    /// micro-batch "linger"). 0 returns whatever has arrived at once.
    public var linger: Double = 0

    public var recordsRead: Int64 { decoder.recordsRead }

    public init(path: String, decoder: any RecordDecoder, bufferSize: Int = 4 << 20) throws {
        self.decoder = decoder
        if path == "-" {
            fd = 0
            ownsFD = false
            name = "stdin"
            totalBytes = nil
        } else {
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw InputError("cannot read \(path): \(String(cString: strerror(errno)))") }
            ownsFD = true
            name = path
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                totalBytes = Int64(st.st_size)
            } else {
                totalBytes = nil
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(fd)
                throw InputError("cannot read \(path): it is a directory")
            }
            #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
            #endif
        }
        capacity = max(bufferSize, decoder.maxRecordBytes * 2 + 1)
        buffer = .allocate(capacity: capacity)
        decoder.sourceName = name
    }

    deinit {
        buffer.deallocate()
        if ownsFD { Glibc.close(fd) }
    }

    public func open(schema: Schema) throws {
        try decoder.open(schema: schema)
    }

    public func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool {
        batch.sourceName = name
        while true {
            if start < end || eof {
                batch.recordBytes = UnsafeRawPointer(buffer)
                let consumed = try decoder.decode(buffer + start, count: end - start, atEnd: eof, into: batch, deadLetters: deadLetters)
                start += consumed
                if batch.count > 0 && !batch.isFull && lingerForMore(since: &lingerStart) { continue }
                if batch.count > 0 {
                    lingerStart = 0
                    return true
                }
                if eof && start >= end { return false }
                if consumed > 0 && start < end { continue }
            }
            try refill()
        }
    }

    private var lingerStart: Double = 0

    /// On a pipe, waits up to `linger` for more input and appends it after the bytes in use (the
    /// rows already decoded point into the buffer, so nothing moves). False: hand the batch over.
    private func lingerForMore(since started: inout Double) -> Bool {
        guard linger > 0, totalBytes == nil, !eof, end < capacity else { return false }
        if started == 0 { started = monotonicSeconds() }
        let left = started + linger - monotonicSeconds()
        guard left > 0 else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32((left * 1000).rounded(.up))) > 0 else { return false }
        let n = read(fd, buffer + end, capacity - end)
        if n <= 0 {
            if n == 0 { eof = true }
            return n == 0
        }
        end += n
        bytesRead += Int64(n)
        return true
    }

    /// Moves the unconsumed tail to the front and reads more.
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
            // A pipe or terminal: process what arrived instead of waiting for more (streaming latency).
            if totalBytes == nil || end - start >= capacity / 2 { return }
        }
    }
}
