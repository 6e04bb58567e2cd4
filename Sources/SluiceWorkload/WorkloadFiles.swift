#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the workload's files live in a data directory, named as `gen_events.py` names them.
public enum WorkloadFiles {
    /// `<directory>/events_<events>.csv`
    public static func csvPath(in directory: String, events: Int) -> String {
        join(directory, "events_\(events).csv")
    }

    /// `<directory>/events_<events>.ndjson`
    public static func ndjsonPath(in directory: String, events: Int) -> String {
        join(directory, "events_\(events).ndjson")
    }

    /// `<directory>/events_<events>.<format>`
    public static func eventsPath(for format: WorkloadFormat, in directory: String, events: Int) -> String {
        join(directory, "events_\(events).\(format.fileExtension)")
    }

    /// `<directory>/expected_<events>.json`
    public static func expectationPath(in directory: String, events: Int) -> String {
        join(directory, "expected_\(events).json")
    }

    /// Whether a regular file (or a link to one) exists at `path`.
    public static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Creates `directory` and its missing parents (like `os.makedirs(exist_ok=True)`).
    static func makeDirectories(_ directory: String) throws {
        var info = stat()
        if stat(directory, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return }
            throw WorkloadError.io(path: directory, operation: "mkdir", code: ENOTDIR)
        }
        var parent = directory
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
            try makeDirectories(String(parent[..<slash]))
        }
        if mkdir(directory, 0o777) != 0 && errno != EEXIST {
            throw WorkloadError.io(path: directory, operation: "mkdir", code: errno)
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
