/// The value types a column can hold.
///
/// Deliberately few: every type has one fixed-width in-memory representation,
/// which is what keeps the kernels tight. Timestamps are `int64` milliseconds
/// since the Unix epoch (the window operator says which field is the time).
public enum DataType: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case int64
    case float64
    case string
    case bool

    public var description: String { rawValue }

    /// Whether arithmetic and range checks apply.
    public var isNumeric: Bool { self == .int64 || self == .float64 }

    /// Bytes per value in a column's value buffer.
    @inlinable
    public var stride: Int {
        switch self {
        case .int64, .float64: return 8
        case .string: return MemoryLayout<StringSlot>.stride
        case .bool: return 1
        }
    }
}

/// Where a string value's UTF-8 bytes live in its batch's ``ByteArena``.
public struct StringSlot: Sendable, Equatable {
    public var offset: UInt32
    public var length: UInt32
    @inlinable public init(offset: UInt32, length: UInt32) {
        self.offset = offset
        self.length = length
    }
}
