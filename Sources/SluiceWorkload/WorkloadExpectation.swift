#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The expected result checksum of the workload for one event count and seed:
/// the contents of `expected_<N>.json`.
///
/// Computed by the generator from the generated values (not by parsing files). The coding
/// keys are the JSON file's (`n_events`, `seed`, `n_dirty`, `rows`, `total_count`,
/// `win_sum`, `sum_feat`, `sum_mean_temp_z`, `sum_min_temp_z`, `sum_max_temp_z`).
/// The integer fields are exact; the four sums are `math.fsum` values, bit-identical to the
/// Python generator's.
public struct WorkloadExpectation: Codable, Equatable, Sendable {
    /// Number of generated events, N.
    public var nEvents: Int
    /// The generator's seed.
    public var seed: UInt64
    /// Events the cleaning step drops.
    public var nDirty: Int
    /// Output rows: (sensor, window) pairs with at least one clean event.
    public var rows: Int
    /// Σ cnt over the output rows (= N − dirty).
    public var totalCount: Int
    /// Σ (window_start − first timestamp) / window size over the output rows.
    public var winSum: Int
    /// fsum of the `sum_feat` column.
    public var sumFeat: Double
    /// fsum of the `mean_temp_z` column.
    public var sumMeanTempZ: Double
    /// fsum of the `min_temp_z` column.
    public var sumMinTempZ: Double
    /// fsum of the `max_temp_z` column.
    public var sumMaxTempZ: Double

    enum CodingKeys: String, CodingKey {
        case nEvents = "n_events"
        case seed
        case nDirty = "n_dirty"
        case rows
        case totalCount = "total_count"
        case winSum = "win_sum"
        case sumFeat = "sum_feat"
        case sumMeanTempZ = "sum_mean_temp_z"
        case sumMinTempZ = "sum_min_temp_z"
        case sumMaxTempZ = "sum_max_temp_z"
    }

    /// Creates an expectation from its values.
    public init(nEvents: Int, seed: UInt64, nDirty: Int, rows: Int, totalCount: Int, winSum: Int,
                sumFeat: Double, sumMeanTempZ: Double, sumMinTempZ: Double, sumMaxTempZ: Double) {
        self.nEvents = nEvents
        self.seed = seed
        self.nDirty = nDirty
        self.rows = rows
        self.totalCount = totalCount
        self.winSum = winSum
        self.sumFeat = sumFeat
        self.sumMeanTempZ = sumMeanTempZ
        self.sumMinTempZ = sumMinTempZ
        self.sumMaxTempZ = sumMaxTempZ
    }

    /// Decodes an `expected_<N>.json` document.
    public init(json: [UInt8]) throws {
        self = try JSONDecoder().decode(WorkloadExpectation.self, from: Data(json))
    }

    /// Reads `expected_<N>.json` at `path`.
    public static func load(from path: String) throws -> WorkloadExpectation {
        let bytes = try FileBytes.contents(of: path)
        do {
            return try WorkloadExpectation(json: bytes)
        } catch {
            throw WorkloadError.invalidExpectation(path: path, reason: "\(error)")
        }
    }

    /// Reads the expectation for `events` events from a data directory.
    public static func load(fromDirectory directory: String, events: Int) throws -> WorkloadExpectation {
        try load(from: WorkloadFiles.expectationPath(in: directory, events: events))
    }

    /// The file text, byte-identical to `gen_events.py`'s
    /// (`json.dump(expected, f, indent=1)` and a newline; floats as Python's `repr`).
    public var jsonText: String {
        let fields: [(String, String)] = [
            ("n_events", String(nEvents)),
            ("seed", String(seed)),
            ("n_dirty", String(nDirty)),
            ("rows", String(rows)),
            ("total_count", String(totalCount)),
            ("win_sum", String(winSum)),
            ("sum_feat", PythonFloatFormat.json(sumFeat)),
            ("sum_mean_temp_z", PythonFloatFormat.json(sumMeanTempZ)),
            ("sum_min_temp_z", PythonFloatFormat.json(sumMinTempZ)),
            ("sum_max_temp_z", PythonFloatFormat.json(sumMaxTempZ)),
        ]
        return "{\n" + fields.map { " \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// The short checksum `rows/total_count/sum_feat` (3 decimals), as `verify.py` prints it.
    public var short: String {
        "\(rows)/\(totalCount)/\(PythonFloatFormat.fixed(sumFeat, places: 3))"
    }
}
