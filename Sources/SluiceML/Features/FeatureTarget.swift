/// What ``FeatureExtractor`` reads as the label of each row, if anything.
public enum FeatureTarget: Sendable, Hashable {
    /// Features only: for prediction.
    case none
    /// A numeric target (`float64`; `int64` and `bool` are converted) into
    /// ``FeatureExtractor/targets``.
    case regression(column: String)
    /// A class label (`int64`, `string` or `bool`) mapped to its index in
    /// `classes`, into ``FeatureExtractor/classIndices``.
    case classification(column: String, classes: ClassLabels)

    /// The label column, if any.
    public var column: String? {
        switch self {
        case .none: return nil
        case .regression(let c), .classification(let c, _): return c
        }
    }
}
