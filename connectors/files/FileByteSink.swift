import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Writes bytes to a file descriptor. A file is written to a temporary name
/// beside the target and renamed into place when closed, after an fsync, so a
/// crashed or interrupted run never leaves a truncated file that looks finished.
public final class FileByteSink: ByteSink {
    public let path: String
    private var fd: Int32
    private let temporaryPath: String?
    private var closed = false

    /// Opens `path` for writing (`-` is stdout).
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 1
            temporaryPath = nil
            return
        }
        let tmp = "\(path).tmp-\(getpid())"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        temporaryPath = tmp
    }

    deinit {
        if !closed, let temporaryPath {
            Glibc.close(fd)
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            p += n
            left -= n
        }
    }

    public func flush() throws {
        if temporaryPath != nil, fsync(fd) != 0 {
            throw InputError("cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Syncs, closes and moves the file into place.
    public func close() throws {
        guard !closed else { return }
        closed = true
        guard let temporaryPath else { return }
        try flush()
        Glibc.close(fd)
        if rename(temporaryPath, path) != 0 {
            throw InputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
