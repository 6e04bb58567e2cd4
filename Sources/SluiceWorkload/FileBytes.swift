#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes of small files with plain system calls.
enum FileBytes {
    /// The contents of the file at `path`.
    static func contents(of path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WorkloadError.io(path: path, operation: "open", code: errno) }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WorkloadError.io(path: path, operation: "read", code: errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Replaces the file at `path` with `bytes`.
    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let file = try ChunkedFileWriter(path: path, chunkSize: 1 << 16, slack: 0)
        try file.writeAll(bytes)
        try file.finish()
    }
}
