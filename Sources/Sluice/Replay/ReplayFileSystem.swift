#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations replay segments need, with `errno` turned
/// into ``ReplayError/io(operation:path:errno:)``. Plain system calls keep the
/// core library free of Foundation.
enum ReplayFileSystem {
    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(ReplayError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .io(operation: "create directory", path: prefix, errno: errno) }
            prefix += "/"
        }
        guard isDirectory(path) else { throw .io(operation: "create directory", path: path, errno: ENOTDIR) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The absolute, symlink-free form of an existing path (the key of an open directory).
    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in a directory (without `.` and `..`).
    static func list(_ path: String) throws(ReplayError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "list", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The size of a file, or `nil` if it does not exist.
    static func fileSize(_ path: String) throws(ReplayError) -> Int? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw .io(operation: "stat", path: path, errno: errno)
        }
        return Int(st.st_size)
    }

    /// Reads a whole file; `nil` if it does not exist (e.g. evicted meanwhile).
    static func readFile(_ path: String) throws(ReplayError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }  // shrank while reading: what was read is checked like any truncation
            done += n
        }
        if done < bytes.count { bytes.removeLast(bytes.count - done) }
        return bytes
    }

    /// The first `count` bytes of a file (fewer if it is shorter) and its size; `nil` if it does not exist.
    static func readPrefix(_ path: String, count: Int) throws(ReplayError) -> (bytes: [UInt8], size: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return (Array(bytes[0..<done]), Int(st.st_size))
    }

    /// Writes `parts` to `path` atomically: a temporary file beside it, fsync, rename, fsync of the directory.
    static func writeAtomically(_ path: String, temporary: String, directory: String,
                                _ parts: [UnsafeRawBufferPointer], sync: Bool = true) throws(ReplayError) {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "create", path: temporary, errno: errno) }
        var ok = false
        defer {
            if !ok {
                close(fd)
                unlink(temporary)
            }
        }
        for part in parts {
            guard var p = part.baseAddress else { continue }
            var left = part.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io(operation: "write", path: temporary, errno: errno)
                }
                p += n
                left -= n
            }
        }
        guard !sync || fsync(fd) == 0 else { throw .io(operation: "sync", path: temporary, errno: errno) }
        ok = true
        guard close(fd) == 0 else {
            unlink(temporary)
            throw .io(operation: "close", path: temporary, errno: errno)
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw .io(operation: "rename into", path: path, errno: e)
        }
        if sync { syncDirectory(directory) }
    }

    /// Makes a rename or unlink in `path` durable. Best effort: some file systems refuse it.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes a file; a file already gone is fine.
    static func remove(_ path: String) throws(ReplayError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io(operation: "delete", path: path, errno: errno) }
    }
}

/// `strerror` text for an `errno` value.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}
