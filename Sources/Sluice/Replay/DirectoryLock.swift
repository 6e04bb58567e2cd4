#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `DIR/.lock`, held by the one writer of a replay
/// directory for as long as it is open; the file also names the holder's pid
/// for the error another writer gets.
///
/// Readers take no lock: segments appear by atomic rename and disappear by
/// unlink, so a reader sees whole segments or none (a segment evicted while
/// it is being replayed is reported as gone, not corrupt).
final class DirectoryLock {
    private let fd: Int32

    /// Takes the lock, retrying for up to `timeout` seconds (a writer of the same directory may be closing).
    init(directory: String, timeout: Double) throws(ReplayError) {
        let path = directory + "/" + SegmentFormat.lockFileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        var waited = 0.0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            guard e == EWOULDBLOCK || e == EINTR else {
                close(fd)
                throw .io(operation: "lock", path: path, errno: e)
            }
            guard waited < timeout else {
                let holder = Self.holder(fd)
                close(fd)
                throw .directoryLocked(path: directory, holder: holder)
            }
            usleep(10_000)
            waited += 0.01
        }
        self.fd = fd
        var text = "pid \(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withUTF8 { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }  // closing the descriptor releases the lock

    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: "\n")
        return text.isEmpty ? nil : text
    }
}
