/// A flat little-endian byte encoding of operator state for checkpoints: scalars, arrays of
/// plain values, strings and raw bytes, written in a fixed order and read back in the same order.
///
/// Why not `Codable`: state is mostly large flat arrays (accumulator cells, dedupe tables), and a
/// keyed container per value would cost more than the state itself. The order is the contract;
/// ``StateReader`` checks every length against what is left, so a truncated or corrupt snapshot
/// is an error (``CheckpointError/corrupt(_:)``), never a crash.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<T: BitwiseCopyable>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int) { write(Int64(value)) }

    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    public mutating func write<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) {
        write(Int64(values.count))
        bytes.append(contentsOf: UnsafeRawBufferPointer(values))
    }

    public mutating func write<T: BitwiseCopyable>(_ values: [T]) {
        values.withUnsafeBufferPointer { write($0) }
    }

    public mutating func write(_ value: String) {
        var s = value
        s.withUTF8 { write($0) }
    }

    public mutating func write(_ value: StateWriter) { write(value.bytes) }
}

/// Reads what a ``StateWriter`` wrote, in the same order.
public struct StateReader {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position == bytes.count }

    private mutating func take(_ n: Int, _ what: String) throws(CheckpointError) -> Range<Int> {
        guard n >= 0, n <= bytes.count - position else {
            throw .corrupt("\(what): needs \(n) bytes at byte \(position), \(bytes.count - position) left")
        }
        defer { position += n }
        return position..<(position + n)
    }

    public mutating func read<T: BitwiseCopyable>(_: T.Type = T.self) throws(CheckpointError) -> T {
        let range = try take(MemoryLayout<T>.size, "\(T.self)")
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self) }
    }

    public mutating func readInt() throws(CheckpointError) -> Int { Int(try read(Int64.self)) }

    public mutating func readBool() throws(CheckpointError) -> Bool { try read(UInt8.self) != 0 }

    /// A count written before an array, checked to be plausible for `elementSize`-byte elements.
    private mutating func count(_ elementSize: Int, _ what: String) throws(CheckpointError) -> Int {
        let n = try read(Int64.self)
        guard n >= 0, n <= Int64(bytes.count - position) / Int64(Swift.max(1, elementSize)) else {
            throw .corrupt("\(what): \(n) elements of \(elementSize) bytes cannot fit the \(bytes.count - position) bytes left")
        }
        return Int(n)
    }

    public mutating func readArray<T: BitwiseCopyable>(of _: T.Type = T.self) throws(CheckpointError) -> [T] {
        let n = try count(MemoryLayout<T>.stride, "[\(T.self)]")
        let range = try take(n * MemoryLayout<T>.stride, "[\(T.self)]")
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[range]))
            }
            initialized = n
        }
    }

    /// Copies an array written by ``StateWriter/write(_:)-(UnsafeBufferPointer<T>)`` into `destination`, which must hold it.
    public mutating func read<T: BitwiseCopyable>(into destination: UnsafeMutablePointer<T>, capacity: Int) throws(CheckpointError) {
        let n = try count(MemoryLayout<T>.stride, "[\(T.self)]")
        guard n <= capacity else { throw .corrupt("[\(T.self)]: \(n) elements for room for \(capacity)") }
        let range = try take(n * MemoryLayout<T>.stride, "[\(T.self)]")
        bytes.withUnsafeBytes { src in
            UnsafeMutableRawPointer(destination).copyMemory(from: src.baseAddress! + range.lowerBound, byteCount: range.count)
        }
    }

    public mutating func readString() throws(CheckpointError) -> String {
        let utf8: [UInt8] = try readArray()
        return String(decoding: utf8, as: UTF8.self)
    }

    public mutating func readNested() throws(CheckpointError) -> StateReader { StateReader(try readArray(of: UInt8.self)) }
}
