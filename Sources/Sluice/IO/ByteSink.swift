/// Where encoded bytes go: a file, stdout, a socket, a test buffer.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything written so far durable or visible (fsync for files).
    func flush() throws
}

/// Collects bytes in memory: for tests and small outputs.
public final class MemoryByteSink: ByteSink, @unchecked Sendable {
    // Safe: written by one pipeline run, read after it finished.
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    public func flush() throws {}
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// A byte buffer that encoders append to; it hands full chunks to its sink.
///
/// Appends are unchecked pointer writes after one capacity check, so
/// formatting output does not allocate per value.
public final class OutputBuffer: @unchecked Sendable {
    // Safe: owned by one encoder.
    public let sink: any ByteSink
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var count = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// When set, the sink only ever receives whole records: bytes after the last `endRecord()`
    /// stay in the buffer (which grows for a record longer than it). Several encoders can then
    /// share one sink, as the shards of a parallel run do.
    public let wholeRecords: Bool
    @exclusivity(unchecked) @usableFromInline var recordBoundary = 0
    /// Bytes handed to the sink so far.
    @exclusivity(unchecked) public var bytesWritten: Int64 = 0

    public init(sink: any ByteSink, capacity: Int = 1 << 20, wholeRecords: Bool = false) {
        self.sink = sink
        self.capacity = capacity
        self.wholeRecords = wholeRecords
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Makes room for at least `n` more bytes, flushing if needed (n must be <= capacity / 2).
    @inlinable
    public func reserve(_ n: Int) throws {
        while count + n > capacity { try drain() }
    }

    /// Marks the end of a record (see ``wholeRecords``).
    @inlinable public func endRecord() { recordBoundary = count }

    public func drain() throws {
        if wholeRecords && recordBoundary < count {
            if recordBoundary == 0 {
                // One record fills the buffer: grow it.
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: storage, count: count)
                storage.deallocate()
                storage = bigger
                capacity *= 2
                return
            }
            try sink.write(UnsafeRawBufferPointer(start: storage, count: recordBoundary))
            bytesWritten += Int64(recordBoundary)
            storage.update(from: storage + recordBoundary, count: count - recordBoundary)
            count -= recordBoundary
            recordBoundary = 0
            return
        }
        recordBoundary = 0
        if count > 0 {
            try sink.write(UnsafeRawBufferPointer(start: storage, count: count))
            bytesWritten += Int64(count)
            count = 0
        }
    }

    public func flush() throws {
        recordBoundary = count
        try drain()
        try sink.flush()
    }

    @inlinable
    public func appendUnchecked(_ byte: UInt8) {
        storage[count] = byte
        count &+= 1
    }

    @inlinable
    public func append(_ byte: UInt8) throws {
        if count == capacity { try drain() }
        storage[count] = byte
        count &+= 1
    }

    @inlinable
    public func append(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        if n > capacity / 2 && !wholeRecords {
            try drain()
            try sink.write(UnsafeRawBufferPointer(start: p, count: n))
            bytesWritten += Int64(n)
            return
        }
        while count + n > capacity { try drain() }
        (storage + count).update(from: p, count: n)
        count &+= n
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        try append(base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public func append(_ s: String) throws {
        var s = s
        try s.withUTF8 { buf in
            if let base = buf.baseAddress { try append(base, buf.count) }
        }
    }

    /// Appends a decimal integer.
    @inlinable
    public func append(int value: Int64) throws {
        try reserve(20)
        var v = value.magnitude
        if value < 0 { appendUnchecked(UInt8(ascii: "-")) }
        if v < 10 {
            appendUnchecked(UInt8(truncatingIfNeeded: v) &+ 48)
            return
        }
        var digits = 0
        var t = v
        while t > 0 { digits &+= 1; t /= 10 }
        var i = count &+ digits &- 1
        while v > 0 {
            storage[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i &-= 1
        }
        count &+= digits
    }

    /// `value` rounded to `decimals` places (nil: as it is), then written as ``append(double:)``
    /// does: the shortest text that reads back to the rounded double (`0.4048` for 0.40480000000000005).
    /// Values too large for the rounding to be exact are written unrounded.
    public func append(double value: Double, decimals: Int?) throws {
        guard let decimals, value.isFinite else { return try append(double: value) }
        let scale = DecimalRounding.scales[min(max(decimals, 0), DecimalRounding.scales.count - 1)]
        let scaled = value * scale
        try append(double: Swift.abs(scaled) < 9.0e15 ? scaled.rounded() / scale : value)
    }

    /// Appends the shortest text that parses back to exactly `value`
    /// (Swift's round-trip formatting). Non-finite values are written as
    /// `nan`, `inf`, `-inf`; the encoders decide whether that is allowed.
    public func append(double value: Double) throws {
        if value.isFinite, value == value.rounded(), Swift.abs(value) < 1e15 {
            if value == 0 && value.sign == .minus { try append(UInt8(ascii: "-")) }
            try append(int: Int64(value))
            try append(UInt8(ascii: "."))
            try append(UInt8(ascii: "0"))
            return
        }
        try append(value.description)
    }

    /// Appends `bytes` as the contents of a JSON string (without the quotes).
    public func appendJSONEscaped(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        var start = 0
        for i in 0..<n {
            let c = p[i]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { continue }
            if i > start { try append(p + start, i - start) }
            switch c {
            case UInt8(ascii: "\""): try append("\\\"")
            case UInt8(ascii: "\\"): try append("\\\\")
            case 0x0A: try append("\\n")
            case 0x0D: try append("\\r")
            case 0x09: try append("\\t")
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                try append("\\u00")
                try append(hex[Int(c >> 4)])
                try append(hex[Int(c & 15)])
            }
            start = i + 1
        }
        if n > start { try append(p + start, n - start) }
    }

    public func appendJSONString(_ s: String) throws {
        var s = s
        try append(UInt8(ascii: "\""))
        try s.withUTF8 { buf in
            if let base = buf.baseAddress { try appendJSONEscaped(base, buf.count) }
        }
        try append(UInt8(ascii: "\""))
    }
}

/// Serializes writes from several encoders into one sink (each write is whole records,
/// see ``OutputBuffer/wholeRecords``).
public final class LockedByteSink: ByteSink, @unchecked Sendable {
    // Safe: every access to `inner` happens under `lock`.
    public let inner: any ByteSink
    private let lock = Monitor()
    public init(_ inner: any ByteSink) { self.inner = inner }
    public func write(_ bytes: UnsafeRawBufferPointer) throws { try lock.withLock { try inner.write(bytes) } }
    public func flush() throws { try lock.withLock { try inner.flush() } }
}

/// Powers of ten for ``OutputBuffer/append(double:decimals:)``.
enum DecimalRounding {
    static let scales: [Double] = (0...15).map { pow10($0) }
    static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }
}
