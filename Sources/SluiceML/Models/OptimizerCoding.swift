/// Saves and restores an `any Optimizer` as a JSON object tagged with its
/// ``Optimizer/kind``: `{"kind": "adam", "learningRate": {...}, "stepCount": 12, ...}`.
///
/// **Why.** A model holds its optimizer as an existential so that one model
/// type works with every optimizer; decoding needs the concrete type back,
/// and the tag says which. Only the built-in kinds (`sgd`, `adagrad`, `adam`)
/// decode; an unknown kind is a `DecodingError` naming the known ones.
public enum OptimizerCoding {
    public static let kinds: [String] = [SGD.kind, AdaGrad.kind, Adam.kind]

    private enum KindKey: String, CodingKey { case kind }

    /// Writes the tag and the optimizer's own fields into one object.
    public static func encode(_ optimizer: any Optimizer, to encoder: any Encoder) throws {
        var tag = encoder.container(keyedBy: KindKey.self)
        try tag.encode(type(of: optimizer).kind, forKey: .kind)
        try optimizer.encode(to: encoder)
    }

    public static func decode(from decoder: any Decoder) throws -> any Optimizer {
        let tag = try decoder.container(keyedBy: KindKey.self)
        let kind = try tag.decode(String.self, forKey: .kind)
        switch kind {
        case SGD.kind: return try SGD(from: decoder)
        case AdaGrad.kind: return try AdaGrad(from: decoder)
        case Adam.kind: return try Adam(from: decoder)
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: tag,
                debugDescription: "unknown optimizer kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
    }

    /// Whether two optimizers are of the same kind with equal hyper-parameters and state.
    public static func equal(_ a: any Optimizer, _ b: any Optimizer) -> Bool {
        func compare<O: Optimizer>(_ a: O) -> Bool {
            guard let b = b as? O else { return false }
            return a == b
        }
        return compare(a)
    }
}
