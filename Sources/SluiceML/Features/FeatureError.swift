import Sluice

/// Why a batch's schema cannot feed a ``FeatureExtractor``. Raised when the
/// extractor first meets a schema, never per row.
public enum FeatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A feature or label column is not in the batch.
    case missingColumn(String)
    /// A feature column is not numeric or boolean.
    case unsupportedFeatureType(column: String, type: DataType)
    /// The label column's type does not fit the task (or the declared classes).
    case unsupportedLabelType(column: String, type: DataType, expected: String)

    public var description: String {
        switch self {
        case .missingColumn(let name):
            return "column '\(name)' is not in the batch"
        case .unsupportedFeatureType(let column, let type):
            return "feature column '\(column)' is \(type); features must be int64, float64 or bool"
        case .unsupportedLabelType(let column, let type, let expected):
            return "label column '\(column)' is \(type); expected \(expected)"
        }
    }
}
