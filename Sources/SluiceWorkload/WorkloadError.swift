#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from generating workload files or checking a pipeline's output.
public enum WorkloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call on `path` failed with `errno` `code`.
    case io(path: String, operation: String, code: Int32)
    /// An output row `verify.py` could not parse either (it would raise).
    case malformedRow(path: String, line: Int, reason: String)
    /// An `expected_<N>.json` that does not hold the expected keys.
    case invalidExpectation(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, operation, code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case let .malformedRow(path, line, reason):
            return "\(path):\(line): \(reason)"
        case let .invalidExpectation(path, reason):
            return "\(path): \(reason)"
        }
    }
}
