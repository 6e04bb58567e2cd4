#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files that make up a pipeline's output: `verify.py`'s `files_of`.
///
/// A regular file is the output itself. A directory (as engines that write part files
/// produce) is walked recursively, skipping directories and files whose names start with
/// `.` or `_` (hidden files, `_SUCCESS`, `_temporary`) and files ending in `.crc`;
/// symbolic links to directories are not followed. Paths are returned sorted.
enum OutputFileList {
    static func files(at path: String) throws -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw WorkloadError.io(path: path, operation: "stat", code: errno)
        }
        if (info.st_mode & S_IFMT) != S_IFDIR { return [path] }
        var found: [String] = []
        try walk(path, into: &found)
        return found.sorted()
    }

    private static func walk(_ directory: String, into found: inout [String]) throws {
        guard let handle = opendir(directory) else {
            throw WorkloadError.io(path: directory, operation: "opendir", code: errno)
        }
        defer { closedir(handle) }
        var subdirectories: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
                    String(cString: $0)
                }
            }
            if name == "." || name == ".." { continue }
            let path = WorkloadFiles.join(directory, name)
            var info = stat()
            let isDirectory = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            if isDirectory {
                var linkInfo = stat()
                let isLink = lstat(path, &linkInfo) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK
                if !isLink && !name.hasPrefix(".") && !name.hasPrefix("_") { subdirectories.append(path) }
            } else if !name.hasPrefix(".") && !name.hasPrefix("_") && !name.hasSuffix(".crc") {
                found.append(path)
            }
        }
        for subdirectory in subdirectories {
            try walk(subdirectory, into: &found)
        }
    }
}
