/// What every online model in SluiceML is: a fixed number of `Double`
/// features in, state that is `Codable` (so a registry can save and reload
/// it exactly) and `Sendable` (a value: copy it to hand it to another task).
public protocol OnlineModel: Sendable, Codable {
    /// The tag saved in the model's JSON (`"model": "logistic_regression"`),
    /// so a saved file says what it holds.
    static var modelKind: String { get }
    /// Values per input row.
    var featureCount: Int { get }
    /// Rows learned so far.
    var samplesLearned: Int { get }
}
