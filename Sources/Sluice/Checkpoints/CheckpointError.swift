#if canImport(Glibc)
import Glibc
#endif

/// Why a checkpoint could not be written, read, or applied.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The bytes are not a snapshot this version wrote (truncated, bit rot, another format).
    case corrupt(String)
    /// The snapshot is sound but belongs to a different run layout (pipeline, shards, source).
    case mismatch(String)
    /// An operator keeps state that checkpoints do not capture yet.
    case unsupported(String)
    case io(operation: String, path: String, errno: Int32)
    /// Another process writes checkpoints to the same directory.
    case locked(path: String, holder: String?)

    public var description: String {
        switch self {
        case .corrupt(let why): return "checkpoint is corrupt: \(why)"
        case .mismatch(let why): return "checkpoint does not match this run: \(why)"
        case .unsupported(let why): return "checkpoints are not supported here: \(why)"
        case .io(let operation, let path, let errno): return "checkpoint: cannot \(operation) \(path): \(String(cString: strerror(errno)))"
        case .locked(let path, let holder):
            return "checkpoint directory \(path) is in use by another run\(holder.map { " (\($0))" } ?? ""); each run needs its own --checkpoint-dir"
        }
    }
}
