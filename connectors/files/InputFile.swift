import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// An open input — a file, or stdin as `-` — with its read buffer: what
/// ``FileSource`` (decoding in place) and ``FileBlockSource`` (cutting blocks
/// for parallel workers) both read through.
///
/// Bytes `[start, end)` of `buffer` are read and not yet consumed. `refill`
/// moves them to the front and reads more: a regular file until the buffer is
/// half full, a pipe or terminal only what has arrived (streaming latency).
final class InputFile {
    let name: String
    let fd: Int32
    private let ownsFD: Bool
    let isRegularFile: Bool
    /// The file's size, when it is a regular file (for progress).
    let totalBytes: Int64?
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var start = 0
    var end = 0
    var eof = false
    private(set) var bytesRead: Int64 = 0

    init(path: String, bufferSize: Int) throws {
        if path == "-" {
            fd = 0
            ownsFD = false
            name = "stdin"
            var st = stat()
            isRegularFile = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
            totalBytes = nil
        } else {
            let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw InputError("cannot read \(path): \(String(cString: strerror(errno)))") }
            var st = stat()
            guard fstat(opened, &st) == 0 else {
                Glibc.close(opened)
                throw InputError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(opened)
                throw InputError("cannot read \(path): it is a directory")
            }
            fd = opened
            ownsFD = true
            name = path
            isRegularFile = (st.st_mode & S_IFMT) == S_IFREG
            totalBytes = isRegularFile ? Int64(st.st_size) : nil
            #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
            #endif
        }
        capacity = bufferSize
        buffer = .allocate(capacity: bufferSize)
    }

    deinit {
        buffer.deallocate()
        if ownsFD { Glibc.close(fd) }
    }

    /// Moves the unconsumed bytes to the front and reads more.
    func refill() throws {
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

    /// Waits up to `seconds` for more input to be readable (pipes and terminals).
    func waitReadable(_ seconds: Double) -> Bool {
        guard seconds > 0 else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, Int32((seconds * 1000).rounded(.up))) > 0
    }

    /// Reads what is available into the free space after `end`, moving nothing
    /// (rows already decoded point into the buffer). False when nothing was read.
    func readMoreInPlace() -> Bool {
        guard end < capacity else { return false }
        let n = read(fd, buffer + end, capacity - end)
        if n == 0 { eof = true }
        guard n > 0 else { return n == 0 }
        end += n
        bytesRead += Int64(n)
        return true
    }
}
