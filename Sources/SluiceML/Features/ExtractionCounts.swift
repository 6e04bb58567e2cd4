/// Running totals of a ``FeatureExtractor``: what came in and why rows were left out.
///
/// `rowsSeen == rowsExtracted + skippedRows` always holds.
public struct ExtractionCounts: Sendable, Hashable, Codable {
    /// Selected rows offered to the extractor.
    public var rowsSeen = 0
    /// Rows written to the feature matrix.
    public var rowsExtracted = 0
    /// Rows left out because a feature was null (``NullPolicy/skipRow`` only).
    public var nullFeatureRows = 0
    /// Rows left out because the label was null.
    public var nullLabelRows = 0
    /// Rows left out because the label is not one of the declared classes.
    public var unknownClassRows = 0

    public init() {}

    /// All rows left out, whatever the reason.
    public var skippedRows: Int { nullFeatureRows + nullLabelRows + unknownClassRows }
}
