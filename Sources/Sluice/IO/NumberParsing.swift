import Glibc

/// Text-to-number parsing shared by the decoders and `coerce`.
///
/// The fast path handles plain decimals (`-12.34`, `1700000000000`) with at
/// most 19 significant digits exactly: an integer mantissa below 2^53 divided
/// by an exact power of ten is correctly rounded by IEEE division, so the
/// result equals `strtod`'s. Anything else (exponents, long mantissas, `inf`)
/// falls back to `strtod` on a NUL-terminated copy.
public enum NumberParsing {
    @usableFromInline static let powersOfTen: [Double] = (0...22).map { Double(sign: .plus, exponent: 0, significand: 1) * pow(10, Double($0)) }

    /// Parses `p[0..<n]` as a finite double, or returns nil.
    @inlinable
    public static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n == 0 { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDot = false
        let start = i
        while i < n {
            let c = p[i] &- 48
            if c < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c)
                    if mantissa != 0 { digits &+= 1 }
                    if sawDot { fractionDigits &+= 1 }
                } else {
                    return slowParseDouble(p, n)
                }
            } else if p[i] == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else {
                return slowParseDouble(p, n)
            }
            i &+= 1
        }
        if i == start || (sawDot && i == start + 1) { return nil }
        if mantissa > (1 << 53) || fractionDigits > 22 { return slowParseDouble(p, n) }
        var value = Double(mantissa)
        if fractionDigits > 0 { value /= powersOfTen.withUnsafeBufferPointer { $0[fractionDigits] } }
        return negative ? -value : value
    }

    @usableFromInline
    static func slowParseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n > 200 { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            let b = buf.baseAddress!
            for i in 0..<n {
                let c = p[i]
                // strtod also accepts hex floats, "nan", "infinity" and leading spaces; only allow plain decimal syntax.
                let ok = (c >= 48 && c <= 57) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                if !ok { return nil }
                b[i] = CChar(bitPattern: c)
            }
            b[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(b, &end)
            guard let end, end == b + n, v.isFinite else { return nil }
            return v
        }
    }

    /// Parses `p[0..<n]` as a decimal int64, or returns nil (also on overflow).
    @inlinable
    public static func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n == 0 { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        if i == n { return nil }
        var v: UInt64 = 0
        while i < n {
            let c = p[i] &- 48
            if c >= 10 { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c))
            if o1 || o2 { return nil }
            v = a
            i &+= 1
        }
        if negative {
            if v > UInt64(Int64.max) + 1 { return nil }
            return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
        }
        if v > UInt64(Int64.max) { return nil }
        return Int64(v)
    }

    /// `true`/`false` (any case) and `1`/`0`.
    @inlinable
    public static func parseBool(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
        if n == 1 {
            if p[0] == UInt8(ascii: "1") { return true }
            if p[0] == UInt8(ascii: "0") { return false }
            return nil
        }
        func lower(_ c: UInt8) -> UInt8 { c | 0x20 }
        if n == 4, lower(p[0]) == UInt8(ascii: "t"), lower(p[1]) == UInt8(ascii: "r"), lower(p[2]) == UInt8(ascii: "u"), lower(p[3]) == UInt8(ascii: "e") { return true }
        if n == 5, lower(p[0]) == UInt8(ascii: "f"), lower(p[1]) == UInt8(ascii: "a"), lower(p[2]) == UInt8(ascii: "l"), lower(p[3]) == UInt8(ascii: "s"), lower(p[4]) == UInt8(ascii: "e") { return false }
        return nil
    }
}
