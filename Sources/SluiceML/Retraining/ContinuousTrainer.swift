import Foundation

/// Something that happened while training, for the summary, the registry and triggers.
public struct TrainerEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case drift, warning, promotion, candidateRejected = "candidate_rejected", published }
    public var kind: Kind
    /// The record (0-based) at which it happened.
    public var position: Int
    /// The model version it concerns (promotions and publications).
    public var version: Int?
    /// Shadow-evaluation accuracies of the current model and the candidate (promotions, rejections).
    public var currentAccuracy: Double?
    public var candidateAccuracy: Double?
}

/// Prequential continuous training of a classifier with drift detection and a retraining policy:
/// every record is first predicted (and scored), then learned from.
///
/// It performs what ``RetrainingStateMachine`` decides: a candidate model (a fresh one, optionally
/// first trained on the most recent records from a bounded in-memory ring) learns alongside the
/// current one; a shadow evaluation scores both on the same records before they learn from them;
/// the candidate is promoted only if it was more accurate. Versions go to a ``ModelRegistry`` and
/// events to ``TriggerRunner``s. The recent-records ring is in memory (the runtime's replay buffer
/// holds decoded pipeline records on disk; a trainer needs feature rows, and `replay` is small).
public final class ContinuousTrainer {
    public let featureNames: [String]
    public let classes: ClassLabels
    public let makeModel: @Sendable () -> LogisticRegression
    public private(set) var current: LogisticRegression
    public private(set) var candidate: LogisticRegression?
    public private(set) var machine: RetrainingStateMachine
    public private(set) var detector: AnyDriftDetector?
    public let registry: ModelRegistry?
    public var triggers: [TriggerRunner] = []
    /// Called for every event, after triggers ran.
    public var onEvent: ((TrainerEvent) -> Void)?
    public let hyperParameters: [String: String]

    public private(set) var position = 0
    public private(set) var correct = 0
    public private(set) var events: [TrainerEvent] = []
    public private(set) var currentVersion: Int?
    private var currentSince = 0
    private var candidateSince = 0
    // Rolling accuracy over the last `window` records.
    public let window: Int
    private var hits: [UInt8]
    private var hitsInWindow = 0
    // The most recent records (features row-major, labels), for candidates started at a drift.
    private let recentCapacity: Int
    private var recentFeatures: [Double]
    private var recentLabels: [Int]
    private var recentCount = 0
    private var shadowCurrent = 0, shadowCandidate = 0, shadowRecords = 0
    private var scratch: [Double]

    public init(featureNames: [String], classes: ClassLabels, policy: RetrainingPolicy, detector: AnyDriftDetector?,
                registry: ModelRegistry?, hyperParameters: [String: String] = [:], window: Int = 1000, recentCapacity: Int = 2000,
                makeModel: @escaping @Sendable () -> LogisticRegression) {
        self.featureNames = featureNames
        self.classes = classes
        self.makeModel = makeModel
        current = makeModel()
        machine = RetrainingStateMachine(policy: policy)
        self.detector = detector
        self.registry = registry
        self.hyperParameters = hyperParameters
        self.window = window
        hits = Array(repeating: 0, count: window)
        self.recentCapacity = recentCapacity
        recentFeatures = Array(repeating: 0, count: recentCapacity * featureNames.count)
        recentLabels = Array(repeating: 0, count: recentCapacity)
        scratch = Array(repeating: 0, count: classes.count)
    }

    public var accuracy: Double { position == 0 ? 0 : Double(correct) / Double(position) }
    public var windowAccuracy: Double { position == 0 ? 0 : Double(hitsInWindow) / Double(min(position, window)) }
    public var drifts: Int { events.filter { $0.kind == .drift }.count }
    public var promotions: Int { events.filter { $0.kind == .promotion }.count }

    /// Predicts, scores and learns one record.
    public func process(_ row: UnsafeBufferPointer<Double>, label: Int) throws {
        let predicted = current.predict(row)
        let hit = predicted == label
        if hit { correct += 1 }
        let slot = position % window
        hitsInWindow += (hit ? 1 : 0) - (position >= window ? Int(hits[slot]) : 0)
        hits[slot] = hit ? 1 : 0
        if shadowRecords > 0, let candidate {
            if hit { shadowCurrent += 1 }
            if candidate.predict(row) == label { shadowCandidate += 1 }
            shadowRecords -= 1
        }
        var signal = DriftSignal.none
        if var d = detector {
            detector = nil  // so `d` is the only reference: updated in place, not copied per record
            signal = d.update(hit ? 0 : 1)
            detector = d
        }
        if signal == .drift { try emit(TrainerEvent(kind: .drift, position: position, version: currentVersion)) }
        let actions = machine.record(position, signal: signal)
        for action in actions { try perform(action) }
        current.learn(row, label: label)
        candidate?.learn(row, label: label)
        remember(row, label: label)
        position += 1
    }

    public func process(_ row: [Double], label: Int) throws { try row.withUnsafeBufferPointer { try process($0, label: label) } }

    private func remember(_ row: UnsafeBufferPointer<Double>, label: Int) {
        guard recentCapacity > 0 else { return }
        let slot = recentCount % recentCapacity
        let d = featureNames.count
        for i in 0..<d { recentFeatures[slot * d + i] = row[i] }
        recentLabels[slot] = label
        recentCount += 1
    }

    private func perform(_ action: RetrainingAction) throws {
        switch action {
        case .startCandidate(let replay):
            var model = makeModel()
            let n = min(replay, recentCount, recentCapacity)
            let d = featureNames.count
            recentFeatures.withUnsafeBufferPointer { features in
                for k in stride(from: n, to: 0, by: -1) {
                    let slot = (recentCount - k) % recentCapacity
                    model.learn(UnsafeBufferPointer(rebasing: features[(slot * d)..<((slot + 1) * d)]), label: recentLabels[slot])
                }
            }
            candidate = model
            candidateSince = position - n
            if replay == 0 { try emit(TrainerEvent(kind: .warning, position: position, version: currentVersion)) }
        case .startShadowEvaluation(let records):
            shadowRecords = records
            shadowCurrent = 0
            shadowCandidate = 0
        case .decide:
            guard let model = candidate else { return }
            let scored = Double(max(1, machineHoldout))
            let currentAccuracy = Double(shadowCurrent) / scored, candidateAccuracy = Double(shadowCandidate) / scored
            candidate = nil
            if shadowCandidate > shadowCurrent {
                let parent = currentVersion
                current = model
                currentSince = candidateSince
                let version = try publish(reason: "drift-promotion", parent: parent)
                try registry?.promote(version ?? 0)
                try emit(TrainerEvent(kind: .promotion, position: position, version: version, currentAccuracy: currentAccuracy, candidateAccuracy: candidateAccuracy))
            } else {
                try emit(TrainerEvent(kind: .candidateRejected, position: position, version: currentVersion, currentAccuracy: currentAccuracy, candidateAccuracy: candidateAccuracy))
            }
        case .dropCandidate:
            candidate = nil
        case .publish(let reason):
            let version = try publish(reason: reason, parent: currentVersion)
            if let version { try registry?.promote(version) }
            try emit(TrainerEvent(kind: .published, position: position, version: version))
        }
    }

    private var machineHoldout: Int {
        if case .onDrift(let holdout, _) = machine.policy { return holdout }
        return 1
    }

    /// Saves the current model as a new version (nil without a registry).
    @discardableResult
    public func publish(reason: String, parent: Int?) throws -> Int? {
        guard let registry else {
            currentVersion = (currentVersion ?? 0) + 1
            return currentVersion
        }
        let number = try registry.nextVersion()
        let metrics = ["accuracy": accuracy, "accuracy_window": windowAccuracy, "records": Double(position)]
        try registry.save(ModelVersion(version: number, parent: parent, reason: reason, trainedFrom: currentSince,
                                       trainedThrough: max(currentSince, position - 1), metrics: metrics,
                                       hyperParameters: hyperParameters, model: current))
        currentVersion = number
        return number
    }

    /// End of input: saves the final state of the current model as a version and promotes it.
    @discardableResult
    public func finish() throws -> Int? {
        guard position > 0 else { return nil }
        let version = try publish(reason: "final", parent: currentVersion)
        if let version { try registry?.promote(version) }
        return version
    }

    private func emit(_ event: TrainerEvent) throws {
        events.append(event)
        for t in triggers { t.fire(event) }
        onEvent?(event)
    }
}
