#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats doubles the way Python prints them, so files and messages match the Python tools.
enum PythonFloatFormat {
    /// Python's `repr(x)` (also what `json.dump` writes for a finite float).
    ///
    /// Swift's `description` and Python's `repr` both print the shortest digit string that
    /// round-trips (closest to the exact value); they differ only in layout. Python uses
    /// exponent notation when the decimal exponent is below -4 or at least 16 (`1e-05`,
    /// `1e+16`, `1.5e+16`) and otherwise fixed notation with at least one fractional digit.
    static func repr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let sign = x.sign == .minus ? "-" : ""
        var text = Substring(x.magnitude.description)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...].filter { $0 != "+" }) ?? 0
            text = text[..<e]
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fractionPart = text[text.index(after: dot)...]
        } else {
            integerPart = text
            fractionPart = ""
        }
        // value = 0.d1 d2 ... × 10^point
        var digits = Array(integerPart.utf8) + Array(fractionPart.utf8)
        var point = integerPart.count + exponent
        let zero = UInt8(ascii: "0")
        while digits.count > 1 && digits[0] == zero {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1 && digits[digits.count - 1] == zero {
            digits.removeLast()
        }
        if digits == [zero] { return sign + "0.0" }
        let d = String(decoding: digits, as: UTF8.self)
        if point <= -4 || point > 16 {
            let e = point - 1
            let mantissa = digits.count == 1 ? d : String(d.prefix(1)) + "." + String(d.dropFirst())
            let magnitude = String(e.magnitude)
            return sign + mantissa + "e" + (e < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if point <= 0 {
            return sign + "0." + String(repeating: "0", count: -point) + d
        }
        if point >= digits.count {
            return sign + d + String(repeating: "0", count: point - digits.count) + ".0"
        }
        return sign + String(d.prefix(point)) + "." + String(d.dropFirst(point))
    }

    /// What Python's `json.dump` writes for a float (`NaN`, `Infinity`, `-Infinity` otherwise repr).
    static func json(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        return repr(x)
    }

    /// Python's `"%.<places>f" % x` (C's correctly rounded `%f`).
    static func fixed(_ x: Double, places: Int) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        var buffer = [CChar](repeating: 0, count: 400)
        let count = withVaList([x]) { args in
            buffer.withUnsafeMutableBufferPointer { out in
                vsnprintf(out.baseAddress!, out.count, "%.\(places)f", args)
            }
        }
        return String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
