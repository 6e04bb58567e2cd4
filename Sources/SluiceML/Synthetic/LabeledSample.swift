/// One row of a synthetic classification stream: the features, the class
/// label, and the concept that generated it.
public struct LabeledSample: Sendable, Hashable, Codable {
    /// The feature values, in the order of the stream's ``SyntheticStream/featureNames``.
    public var features: [Double]
    /// The class, 0 or 1 (after label noise).
    public var label: Int
    /// The index of the concept the row was drawn from (ground truth for
    /// evaluating drift detection; during a gradual drift it says which of the
    /// two concepts this row came from). 0 for streams without discrete concepts.
    public var concept: Int

    /// A row with these features, label and generating concept.
    public init(features: [Double], label: Int, concept: Int = 0) {
        self.features = features
        self.label = label
        self.concept = concept
    }
}
