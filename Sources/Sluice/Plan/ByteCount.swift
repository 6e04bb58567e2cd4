/// A size in bytes, written in specs as `8MiB`, `512KiB`, `2GiB`, `10MB`,
/// `4096B` or a bare number of bytes. Binary units (`KiB`, `MiB`, `GiB`,
/// `TiB`, and the short `K`, `M`, `G`, `T`) are powers of 1024; decimal ones
/// (`KB`, `MB`, `GB`, `TB`) powers of 1000. Units are case-insensitive.
public struct ByteCount: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }
    public init(integerLiteral value: Int) { bytes = value }

    public static func kibibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n << 10) }
    public static func mebibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n << 20) }
    public static func gibibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n << 30) }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }

    private static let units: [(String, Int)] = [
        ("b", 1), ("k", 1 << 10), ("kib", 1 << 10), ("kb", 1000), ("m", 1 << 20), ("mib", 1 << 20), ("mb", 1_000_000),
        ("g", 1 << 30), ("gib", 1 << 30), ("gb", 1_000_000_000), ("t", 1 << 40), ("tib", 1 << 40), ("tb", 1_000_000_000_000),
    ]

    /// The largest binary unit that divides the size exactly: `8MiB`, `1536KiB`, `100B`.
    public var description: String {
        for (unit, size) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)B"
    }

    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: " ")
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard let n = Int(digits) else { return nil }
        let unit = t.dropFirst(digits.count).trimmingCharacters(in: " ").lowercased()
        if unit.isEmpty { self.init(bytes: n); return }
        guard let size = Self.units.first(where: { $0.0 == unit })?.1 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: size)
        guard !overflow else { return nil }
        self.init(bytes: product)
    }
}

extension ByteCount: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self.init(bytes: n)
            return
        }
        let text = try c.decode(String.self)
        guard let size = ByteCount(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a size (use e.g. 8MiB, 512KiB, 2GiB, 10MB or a number of bytes)")
        }
        self = size
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
