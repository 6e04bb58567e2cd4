/// What ``FeatureExtractor`` does with a selected row whose feature column is null.
///
/// A null *label* always skips the row: there is nothing to learn from or to
/// score a prediction against. Skipped rows are counted in
/// ``ExtractionCounts``, never silently dropped.
public enum NullPolicy: String, Codable, Sendable, CaseIterable {
    /// Leave the row out of the extracted matrix (the default): a model never
    /// sees a made-up value.
    case skipRow = "skip_row"
    /// Use 0 for the null feature and keep the row. With a standardizing
    /// scaler in front of the model, 0 is a raw value like any other, not the
    /// feature's mean — impute upstream (a pipeline `derive`) when that matters.
    case imputeZero = "impute_zero"
}
