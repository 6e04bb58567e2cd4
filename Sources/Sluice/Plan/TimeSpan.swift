/// A duration in milliseconds, written in specs as `500ms`, `10s`, `5m`, `2h`, `1d` (or a bare number of milliseconds).
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func milliseconds(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n) }
    public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n * 1000) }
    public static func minutes(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n * 60_000) }
    public static func hours(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n * 3_600_000) }
    public static func days(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n * 86_400_000) }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }

    private static let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]

    public var description: String {
        if milliseconds == 0 { return "0ms" }
        for (unit, size) in Self.units where milliseconds % size == 0 { return "\(milliseconds / size)\(unit)" }
        return "\(milliseconds)ms"
    }

    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: " ")
        let digits = t.prefix { $0.isNumber || $0 == "-" }
        guard let n = Int64(digits) else { return nil }
        let unit = t.dropFirst(digits.count)
        if unit.isEmpty { self.init(milliseconds: n); return }
        guard let size = Self.units.first(where: { $0.0 == unit })?.1 else { return nil }
        self.init(milliseconds: n * size)
    }
}

extension TimeSpan: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int64.self) {
            self.init(milliseconds: n)
            return
        }
        let text = try c.decode(String.self)
        guard let span = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a duration (use e.g. 500ms, 10s, 5m, 2h, 1d)")
        }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
