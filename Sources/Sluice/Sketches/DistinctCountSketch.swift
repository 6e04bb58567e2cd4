#if canImport(Glibc)
import Glibc
#endif

/// A mergeable approximate distinct count: HyperLogLog (Flajolet et al. 2007) with linear
/// counting for small cardinalities and a sparse start.
///
/// `2^p` registers keep the largest leading-zero rank seen among 64-bit hashes routed to them.
/// **Error bound:** relative standard error `1.04 / sqrt(2^p)`: 1.6 % for the default `p = 12`
/// (4 KiB of registers), i.e. within ±4.9 % with 99.7 % confidence. Small cardinalities are
/// nearly exact: until `2^p / 16` distinct hashes the sketch keeps them as a sorted list
/// (8 bytes each) and counts them exactly, so a window cell with few values stays small.
public final class DistinctCountSketch: @unchecked Sendable, Codable {
    // Safe: a sketch is owned by one window cell on one thread; merges read the other sketch only.
    public let precision: Int
    /// Exact hashes while few (sorted), then nil.
    private var sparse: [UInt64]? = []
    private var registers: [UInt8] = []

    public init(precision: Int = 12) {
        precondition((4...18).contains(precision), "precision must be within 4...18")
        self.precision = precision
    }

    private var sparseLimit: Int { (1 << precision) / 16 }

    /// Checkpoint form: the exact hashes while sparse, else the registers.
    func saveState(to w: inout StateWriter) {
        w.write(precision)
        w.write(sparse != nil)
        if let sparse { w.write(sparse) } else { w.write(registers) }
    }

    static func restoreState(from r: inout StateReader) throws(CheckpointError) -> DistinctCountSketch {
        let precision = try r.readInt()
        guard (4...18).contains(precision) else { throw .corrupt("distinct-count sketch with precision \(precision)") }
        let s = DistinctCountSketch(precision: precision)
        if try r.readBool() {
            s.sparse = try r.readArray()
        } else {
            s.sparse = nil
            s.registers = try r.readArray()
            guard s.registers.count == 1 << precision else { throw .corrupt("distinct-count sketch with \(s.registers.count) registers") }
        }
        return s
    }

    /// Adds a value by its 64-bit hash (use ``hash(_:)`` for numbers and ``hash(bytes:count:)`` for strings).
    @inline(__always)
    public func insert(hash h: UInt64) {
        if sparse != nil {
            insertSparse(h)
            return
        }
        add(h)
    }

    private func insertSparse(_ h: UInt64) {
        var lo = 0, hi = sparse!.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sparse![mid] < h { lo = mid + 1 } else { hi = mid }
        }
        if lo < sparse!.count && sparse![lo] == h { return }
        sparse!.insert(h, at: lo)
        if sparse!.count > sparseLimit { densify() }
    }

    private func densify() {
        registers = [UInt8](repeating: 0, count: 1 << precision)
        let hashes = sparse!
        sparse = nil
        for h in hashes { add(h) }
    }

    @inline(__always)
    private func add(_ h: UInt64) {
        let index = Int(h >> UInt64(64 - precision))
        let rest = (h << UInt64(precision)) | (UInt64(1) << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    public func merge(_ other: DistinctCountSketch) {
        precondition(other.precision == precision, "cannot merge sketches of different precision")
        if let theirs = other.sparse {
            for h in theirs { insert(hash: h) }
            return
        }
        if sparse != nil { densify() }
        for i in registers.indices where other.registers[i] > registers[i] { registers[i] = other.registers[i] }
    }

    /// The estimated number of distinct values.
    public var estimate: Double {
        if let sparse { return Double(sparse.count) }
        let m = Double(1 << precision)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m, zeros > 0 { return m * log(m / Double(zeros)) }
        return raw
    }

    public var byteSize: Int { 48 + (sparse.map { $0.count * 8 } ?? registers.count) }

    public func copy() -> DistinctCountSketch {
        let c = DistinctCountSketch(precision: precision)
        c.sparse = sparse
        c.registers = registers
        return c
    }

    /// A 64-bit hash of a number's bit pattern (a strong mixer: splitmix64's finalizer);
    /// `0.0` and `-0.0` hash alike.
    @inline(__always)
    public static func hash(_ v: Double) -> UInt64 { mix((v == 0 ? 0.0 : v).bitPattern) }

    @inline(__always)
    public static func hash(_ v: Int64) -> UInt64 { mix(UInt64(bitPattern: v) ^ 0x5851_F42D_4C95_7F2D) }

    /// A 64-bit hash of a byte string (FNV-1a, then mixed).
    public static func hash(bytes p: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<count { h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3 }
        return mix(h)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    enum CodingKeys: String, CodingKey { case precision, sparse, registers }

    public required init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        precision = try c.decode(Int.self, forKey: .precision)
        sparse = try c.decodeIfPresent([UInt64].self, forKey: .sparse)
        registers = try c.decodeIfPresent([UInt8].self, forKey: .registers) ?? []
        guard (4...18).contains(precision), sparse != nil || registers.count == 1 << precision else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "not a distinct-count sketch"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(precision, forKey: .precision)
        try c.encodeIfPresent(sparse, forKey: .sparse)
        if sparse == nil { try c.encode(registers, forKey: .registers) }
    }
}
