import Foundation

/// One saved model version: a readable JSON document that loads back exactly (the same weights,
/// scaler and optimizer state, so the same predictions to the last bit).
public struct ModelVersion: Codable, Sendable {
    public var version: Int
    /// The version this one was derived from (trained alongside, or continued from); nil for the first.
    public var parent: Int?
    /// Why it was saved: `initial`, `drift-promotion`, `every-n`, `final`, `manual`.
    public var reason: String
    /// ISO 8601, UTC.
    public var createdAt: String
    /// The records (0-based positions in the training stream) this model learned from.
    public var trainedFrom: Int
    public var trainedThrough: Int
    /// Prequential metrics of this model when it was saved (e.g. `accuracy`, `accuracy_window`, `log_loss`).
    public var metrics: [String: Double]
    public var hyperParameters: [String: String]
    public var model: LogisticRegression

    public init(version: Int, parent: Int?, reason: String, createdAt: Date = Date(), trainedFrom: Int, trainedThrough: Int,
                metrics: [String: Double], hyperParameters: [String: String], model: LogisticRegression) {
        self.version = version
        self.parent = parent
        self.reason = reason
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
        self.trainedFrom = trainedFrom
        self.trainedThrough = trainedThrough
        self.metrics = metrics
        self.hyperParameters = hyperParameters
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case version, parent, reason, model, metrics
        case createdAt = "created_at", trainedFrom = "trained_from", trainedThrough = "trained_through", hyperParameters = "hyper_parameters"
    }
}

/// Why a registry operation failed, in words a user can act on.
public struct RegistryError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
