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
    /// Appends to the file in place (no temporary name): for runs that resume from a checkpoint.
    public let appends: Bool

    /// Opens `path` for writing (`-` is stdout).
    public init(path: String) throws {
        self.path = path
        appends = false
        if path == "-" {
            fd = 1
            temporaryPath = nil
            return
        }
        // A temporary name no other sink uses (another sink for the same path, a crashed run's leftover).
        var tmp = "\(path).tmp-\(getpid())"
        var attempt = 0
        var opened = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        while opened < 0 && errno == EEXIST && attempt < 1000 {
            attempt += 1
            tmp = "\(path).tmp-\(getpid())-\(attempt)"
            opened = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard opened >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        fd = opened
        temporaryPath = tmp
    }

    /// Opens `path` for appending, creating it if needed: what a run resuming from a checkpoint
    /// uses for its dead letters, so earlier runs' records stay. ``flush()`` fsyncs.
    public init(appendingTo path: String) throws {
        self.path = path
        appends = true
        temporaryPath = nil
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError("cannot append to \(path): \(String(cString: strerror(errno)))") }
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
        if temporaryPath != nil || appends, fsync(fd) != 0 {
            throw InputError("cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Syncs, closes and moves the file into place.
    public func close() throws {
        guard !closed else { return }
        guard let temporaryPath else {
            if appends {
                try flush()
                Glibc.close(fd)
            }
            closed = true
            return
        }
        do {
            try flush()
        } catch {
            // Leave nothing behind that could pass for output.
            closed = true
            Glibc.close(fd)
            unlink(temporaryPath)
            throw error
        }
        closed = true
        Glibc.close(fd)
        if rename(temporaryPath, path) != 0 {
            throw InputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
