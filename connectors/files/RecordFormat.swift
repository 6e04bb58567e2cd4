import Sluice

/// The text formats files and stdin/stdout carry.
public enum RecordFormat: String, Sendable, CaseIterable {
    case csv
    case ndjson

    /// The format a path's extension names: `.csv`, `.ndjson`, `.jsonl`, `.json` (one object per line).
    public static func infer(fromPath path: String) -> RecordFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") { return .ndjson }
        return nil
    }

    public func makeDecoder(csvHeader: Bool = true) -> any RecordDecoder {
        switch self {
        case .csv: return CSVDecoder(hasHeader: csvHeader)
        case .ndjson: return NDJSONDecoder()
        }
    }

    /// - Parameter decimals: round floating-point values to this many places (nil: every digit).
    public func makeEncoder(sink: any ByteSink, csvHeader: Bool = true, wholeRecords: Bool = false, ownsSink: Bool = true,
                            decimals: Int? = nil) -> any RecordSink {
        switch self {
        case .csv:
            let encoder = CSVEncoder(sink: sink, writeHeader: csvHeader, wholeRecords: wholeRecords, ownsSink: ownsSink)
            encoder.decimals = decimals
            return encoder
        case .ndjson:
            let encoder = NDJSONEncoder(sink: sink, wholeRecords: wholeRecords, ownsSink: ownsSink)
            encoder.decimals = decimals
            return encoder
        }
    }
}
