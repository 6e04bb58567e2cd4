#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written from one large byte buffer, in chunks of about ``chunkSize`` bytes.
///
/// The hot loop owns the write position: it fills ``buffer`` directly (keeping the offset in
/// a local), and hands the filled length to ``flush(_:)`` once it passes ``chunkSize``. The
/// buffer has ``slack`` bytes past the chunk so a line started below the threshold always
/// fits. Writes go straight to the file descriptor (no stdio buffering on top).
final class ChunkedFileWriter {
    /// Size at which the caller should flush.
    let chunkSize: Int
    /// Room past ``chunkSize`` for the line being written.
    let slack: Int
    /// The write buffer, `chunkSize + slack` bytes.
    let buffer: UnsafeMutablePointer<UInt8>
    let path: String
    private var descriptor: Int32

    /// Creates (or truncates) the file at `path`.
    init(path: String, chunkSize: Int = 1 << 20, slack: Int = 4096) throws {
        self.path = path
        self.chunkSize = chunkSize
        self.slack = slack
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw WorkloadError.io(path: path, operation: "open", code: errno) }
        descriptor = fd
        buffer = .allocate(capacity: chunkSize + slack)
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
        buffer.deallocate()
    }

    /// Writes the first `count` bytes of ``buffer`` to the file.
    func flush(_ count: Int) throws {
        var done = 0
        while done < count {
            let written = write(descriptor, buffer + done, count - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw WorkloadError.io(path: path, operation: "write", code: errno)
            }
            done += written
        }
    }

    /// Appends `bytes` through the buffer (for headers and other small one-off text).
    func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(chunkSize, bytes.count - offset)
            bytes.withUnsafeBufferPointer { source in
                buffer.update(from: source.baseAddress! + offset, count: n)
            }
            try flush(n)
            offset += n
        }
    }

    /// Closes the file, reporting a failed close (which can carry a deferred write error).
    func finish() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        if close(fd) != 0 { throw WorkloadError.io(path: path, operation: "close", code: errno) }
    }
}
