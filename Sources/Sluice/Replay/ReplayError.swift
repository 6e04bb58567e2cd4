/// A replay buffer operation that cannot be carried out. Corrupt segments are
/// *not* errors: replay skips and reports them (``ReplayReport/skipped``).
public enum ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed on `path`.
    case io(operation: String, path: String, errno: Int32)
    /// Another writer (this process or another, `holder` names it when known) has the directory open.
    case directoryLocked(path: String, holder: String?)
    /// A read-only buffer was asked to write.
    case readOnly(path: String)
    /// The buffer was closed.
    case closed(path: String)
    /// The directory is already open in this process with other options.
    case optionsMismatch(path: String)
    /// An option is out of range.
    case invalidOptions(String)
    /// libzstd refused to compress.
    case compression(String)
    /// A read-only buffer was opened on a directory that does not exist.
    case notFound(path: String)

    public var description: String {
        switch self {
        case .io(let op, let path, let e): return "cannot \(op) \(path): \(errnoDescription(e))"
        case .directoryLocked(let path, let holder):
            return "replay directory \(path) is in use by another writer\(holder.map { " (\($0))" } ?? "")"
        case .readOnly(let path): return "replay directory \(path) was opened read-only"
        case .closed(let path): return "the replay buffer for \(path) is closed"
        case .optionsMismatch(let path): return "replay directory \(path) is already open in this process with different options"
        case .invalidOptions(let message): return "invalid replay options: \(message)"
        case .compression(let message): return "zstd compression failed: \(message)"
        case .notFound(let path): return "no replay directory at \(path)"
        }
    }
}
