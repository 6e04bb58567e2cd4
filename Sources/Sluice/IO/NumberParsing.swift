import Glibc

/// Text-to-number parsing shared by the decoders and `coerce`.
///
/// The fast path handles plain decimals (`-12.34`, `1700000000000`) with at
/// most 19 significant digits exactly: an integer mantissa below 2^53 divided
/// by an exact power of ten is correctly rounded by IEEE division, so the
/// result equals `strtod`'s. Anything else (exponents, long mantissas, `inf`)
/// falls back to `strtod` on a NUL-terminated copy.
public enum NumberParsing {
    /// Exact powers of ten, 10^0 ... 10^22 (all representable exactly in a double).
    @usableFromInline static let powersOfTen: [Double] = {
        var p: [Double] = [1]
        for _ in 1...22 { p.append(p[p.count - 1] * 10) }
        return p
    }()

    /// Parses `p[0..<n]` as a finite double, or returns nil.
    @inlinable @inline(__always)
    public static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        var negative = false
        if n > 0 && p[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        var mantissa: UInt64 = 0
        let intStart = i
        while i < n {
            let d = p[i] &- 48
            if d >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i &+= 1
        }
        var digits = i &- intStart
        var fractionDigits = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i &+= 1
            let fracStart = i
            while i < n {
                let d = p[i] &- 48
                if d >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i &+= 1
            }
            fractionDigits = i &- fracStart
            digits &+= fractionDigits
        }
        // Anything unusual (exponent, '+', too many digits, empty) takes the careful path.
        if i != n || digits == 0 || digits > 19 || mantissa > (1 << 53) || fractionDigits > 22 {
            return slowParseDouble(p, n)
        }
        var value = Double(mantissa)
        if fractionDigits > 0 { value /= powersOfTen.withUnsafeBufferPointer { $0[fractionDigits] } }
        return negative ? -value : value
    }

    @usableFromInline
    static func slowParseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n == 0 || n > 200 { return nil }
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
    @inlinable @inline(__always)
    public static func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n == 0 { return nil }
        // Up to 18 digits cannot overflow: no checks per digit.
        if n <= 18 && p[0] != UInt8(ascii: "-") && p[0] != UInt8(ascii: "+") {
            var v: Int64 = 0
            for i in 0..<n {
                let d = p[i] &- 48
                if d >= 10 { return nil }
                v = v &* 10 &+ Int64(d)
            }
            return v
        }
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
