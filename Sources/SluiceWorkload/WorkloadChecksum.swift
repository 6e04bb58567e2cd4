/// The checksum of a pipeline's output, and its comparison with the expected one:
/// `verify.py`'s `checksum`, `compare` and `short`.
///
/// `rows`, `totalCount` and `winSum` must equal the expectation exactly and
/// `duplicateKeys` must be 0. The four float sums are `math.fsum` of their columns (order
/// independent) and must be close to the expected sums within a relative tolerance of 1e-9
/// (absolute 1e-6), because implementations add each window's values in different orders.
public struct WorkloadChecksum: Equatable, Sendable {
    /// Number of output rows.
    public var rows: Int
    /// Σ cnt.
    public var totalCount: Int
    /// Σ floor((window_start − first timestamp) / window size).
    public var winSum: Int
    /// Rows whose (sensor, window) appeared in an earlier row.
    public var duplicateKeys: Int
    /// fsum of `sum_feat`.
    public var sumFeat: Double
    /// fsum of `mean_temp_z`.
    public var sumMeanTempZ: Double
    /// fsum of `min_temp_z`.
    public var sumMinTempZ: Double
    /// fsum of `max_temp_z`.
    public var sumMaxTempZ: Double

    /// Relative tolerance for the float sums (`math.isclose`'s `rel_tol`).
    public static let relativeTolerance = 1e-9
    /// Absolute tolerance for the float sums (`math.isclose`'s `abs_tol`).
    public static let absoluteTolerance = 1e-6

    /// Creates a checksum from its values.
    public init(rows: Int, totalCount: Int, winSum: Int, duplicateKeys: Int,
                sumFeat: Double, sumMeanTempZ: Double, sumMinTempZ: Double, sumMaxTempZ: Double) {
        self.rows = rows
        self.totalCount = totalCount
        self.winSum = winSum
        self.duplicateKeys = duplicateKeys
        self.sumFeat = sumFeat
        self.sumMeanTempZ = sumMeanTempZ
        self.sumMinTempZ = sumMinTempZ
        self.sumMaxTempZ = sumMaxTempZ
    }

    /// The checksum of the output at `path`: one CSV file, or a directory of part files
    /// (hidden, `_`-prefixed and `.crc` files skipped; see `verify.py`). Throws if `path`
    /// does not exist or a row cannot be parsed.
    public init(contentsOf path: String) throws {
        var accumulator = OutputChecksumAccumulator()
        for file in try OutputFileList.files(at: path) {
            try accumulator.consumeFile(at: file)
        }
        self = accumulator.checksum
    }

    /// The checksum of output rows held in memory (the bytes of one CSV file).
    public init(csv bytes: [UInt8]) throws {
        var accumulator = OutputChecksumAccumulator()
        try accumulator.consume(bytes: bytes, name: "<memory>")
        self = accumulator.checksum
    }

    /// What differs from `expected`, one message per problem in `verify.py`'s words;
    /// empty when the output is correct.
    public func problems(comparedTo expected: WorkloadExpectation) -> [String] {
        var problems: [String] = []
        for (name, got, want) in [("rows", rows, expected.rows),
                                  ("total_count", totalCount, expected.totalCount),
                                  ("win_sum", winSum, expected.winSum)] where got != want {
            problems.append("\(name): got \(got) expected \(want)")
        }
        if duplicateKeys != 0 {
            problems.append("duplicate (sensor, window) rows: \(duplicateKeys)")
        }
        for (name, got, want) in [("sum_feat", sumFeat, expected.sumFeat),
                                  ("sum_mean_temp_z", sumMeanTempZ, expected.sumMeanTempZ),
                                  ("sum_min_temp_z", sumMinTempZ, expected.sumMinTempZ),
                                  ("sum_max_temp_z", sumMaxTempZ, expected.sumMaxTempZ)]
        where !Self.isClose(got, want) {
            problems.append("\(name): got \(PythonFloatFormat.repr(got)) expected \(PythonFloatFormat.repr(want))")
        }
        return problems
    }

    /// Whether the output matches `expected` (no ``problems(comparedTo:)``).
    public func matches(_ expected: WorkloadExpectation) -> Bool {
        problems(comparedTo: expected).isEmpty
    }

    /// The short checksum `rows/total_count/sum_feat` (3 decimals), e.g. `99991/979878/49044.474`.
    public var short: String {
        "\(rows)/\(totalCount)/\(PythonFloatFormat.fixed(sumFeat, places: 3))"
    }

    /// The JSON line `verify.py` prints: `{"ok": …, "checksum": …, "expected": …,
    /// "problems": […], "got": {…}}`, formatted as Python's `json.dumps`.
    public func report(comparedTo expected: WorkloadExpectation) -> String {
        let problems = problems(comparedTo: expected)
        let got = [
            ("rows", String(rows)), ("total_count", String(totalCount)), ("win_sum", String(winSum)),
            ("duplicate_keys", String(duplicateKeys)),
            ("sum_feat", PythonFloatFormat.json(sumFeat)),
            ("sum_mean_temp_z", PythonFloatFormat.json(sumMeanTempZ)),
            ("sum_min_temp_z", PythonFloatFormat.json(sumMinTempZ)),
            ("sum_max_temp_z", PythonFloatFormat.json(sumMaxTempZ)),
        ].map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
        return "{\"ok\": \(problems.isEmpty), \"checksum\": \(Self.jsonString(short)), "
            + "\"expected\": \(Self.jsonString(expected.short)), "
            + "\"problems\": [\(problems.map(Self.jsonString).joined(separator: ", "))], \"got\": {\(got)}}"
    }

    /// `math.isclose(a, b, rel_tol=relativeTolerance, abs_tol=absoluteTolerance)`.
    public static func isClose(_ a: Double, _ b: Double) -> Bool {
        if a == b { return true }
        if a.isInfinite || b.isInfinite { return false }
        let difference = (b - a).magnitude
        return difference <= (relativeTolerance * b).magnitude
            || difference <= (relativeTolerance * a).magnitude
            || difference <= absoluteTolerance
    }

    private static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7e {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
