/// One of Sluice's drift detectors, chosen at run time, that saves and
/// restores with its kind.
///
/// Why: a model's saved state must say which detector it was watched by. A
/// property of type `any DriftDetector` cannot be decoded (the decoder does
/// not know which type to create); an `AnyDriftDetector` can, because it is
/// encoded as `{"kind": "adwin" | "page_hinkley" | "ddm", "state": {...}}`.
///
/// It forwards ``update(_:)`` and ``reset()`` to the wrapped detector and
/// returns the same signals.
public enum AnyDriftDetector: DriftDetector, Equatable {
    /// An ``ADWIN`` detector; encoded with kind `adwin`.
    case adwin(ADWIN)
    /// A ``PageHinkley`` detector; encoded with kind `page_hinkley`.
    case pageHinkley(PageHinkley)
    /// A ``DDM`` detector; encoded with kind `ddm`.
    case ddm(DDM)

    /// The kind as written in the encoded form: `adwin`, `page_hinkley` or `ddm`.
    public var kind: String {
        switch self {
        case .adwin: "adwin"
        case .pageHinkley: "page_hinkley"
        case .ddm: "ddm"
        }
    }

    /// The number of drifts the wrapped detector signalled since creation or its last reset.
    public var detectionCount: Int {
        switch self {
        case .adwin(let d): d.detectionCount
        case .pageHinkley(let d): d.detectionCount
        case .ddm(let d): d.detectionCount
        }
    }

    public mutating func update(_ value: Double) -> DriftSignal {
        switch self {
        case .adwin(var d):
            self = Self.placeholder  // drop self's reference so `d`'s buckets are mutated in place, not copied
            let signal = d.update(value)
            self = .adwin(d)
            return signal
        case .pageHinkley(var d):
            let signal = d.update(value)
            self = .pageHinkley(d)
            return signal
        case .ddm(var d):
            let signal = d.update(value)
            self = .ddm(d)
            return signal
        }
    }

    public mutating func reset() {
        switch self {
        case .adwin(var d): self = Self.placeholder; d.reset(); self = .adwin(d)
        case .pageHinkley(var d): d.reset(); self = .pageHinkley(d)
        case .ddm(var d): d.reset(); self = .ddm(d)
        }
    }

    /// Holds no buffer: assigned to `self` while the ADWIN payload is mutated.
    private static var placeholder: AnyDriftDetector { .ddm(DDM()) }

    private enum CodingKeys: String, CodingKey { case kind, state }

    /// Restores a detector of the saved kind; an unknown kind throws `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "adwin": self = .adwin(try c.decode(ADWIN.self, forKey: .state))
        case "page_hinkley": self = .pageHinkley(try c.decode(PageHinkley.self, forKey: .state))
        case "ddm": self = .ddm(try c.decode(DDM.self, forKey: .state))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c,
                debugDescription: "unknown drift detector kind '\(kind)' (known: adwin, page_hinkley, ddm)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .adwin(let d): try c.encode(d, forKey: .state)
        case .pageHinkley(let d): try c.encode(d, forKey: .state)
        case .ddm(let d): try c.encode(d, forKey: .state)
        }
    }
}
