/// When to train a new model and when to switch to it.
public enum RetrainingPolicy: Sendable, Hashable, CustomStringConvertible {
    /// On a drift *warning*, start a candidate that learns from then on; on confirmed *drift*
    /// (starting a candidate from the most recent records if none is running), evaluate the
    /// candidate against the current model in shadow on the next `holdout` records and promote
    /// it only if it is more accurate there; otherwise keep the current model.
    case onDrift(holdout: Int, replay: Int)
    /// Save a new version of the continuously learning model every `n` records.
    case everyRecords(Int)
    /// Learn continuously; save only the final model.
    case never

    public var description: String {
        switch self {
        case .onDrift(let h, let r): return "on drift (shadow evaluation over \(h) records, candidates start from the last \(r))"
        case .everyRecords(let n): return "every \(n) records"
        case .never: return "never (continuous learning only)"
        }
    }

    /// Parses `drift`, `every-n:N`, `never`.
    public init?(parsing text: String, holdout: Int = 500, replay: Int = 200) {
        if text == "drift" {
            self = .onDrift(holdout: holdout, replay: replay)
        } else if text == "never" {
            self = .never
        } else if text.hasPrefix("every-n:"), let n = Int(text.dropFirst(8)), n > 0 {
            self = .everyRecords(n)
        } else {
            return nil
        }
    }
}

/// What the trainer should do now.
public enum RetrainingAction: Sendable, Hashable {
    /// Start a fresh candidate model; first train it on the last `replay` records (0: none).
    case startCandidate(replay: Int)
    /// From the next record on, score the current model and the candidate side by side (each
    /// predicts before it learns), for `records` records.
    case startShadowEvaluation(records: Int)
    /// The shadow evaluation is over: promote the candidate if it scored better, else drop it.
    case decide
    /// The warning passed without a drift: drop the candidate.
    case dropCandidate
    /// Save the current model as a new version.
    case publish(reason: String)
}

/// The retraining decisions as a state machine: fed one drift signal per record, it returns what
/// to do; it never touches models or files (``ContinuousTrainer`` does), so every rule is tested
/// directly.
public struct RetrainingStateMachine: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case stable
        /// A candidate learns since a warning at `since`.
        case candidate(since: Int)
        /// Candidate and current model are being compared; `remaining` records to go.
        case shadow(remaining: Int)
    }

    public let policy: RetrainingPolicy
    public private(set) var state: State = .stable
    /// Records without a warning since the candidate started (a passing warning drops it).
    private var calm = 0

    public init(policy: RetrainingPolicy) { self.policy = policy }

    /// After record `position` (0-based) was predicted and its drift signal computed.
    public mutating func record(_ position: Int, signal: DriftSignal) -> [RetrainingAction] {
        switch policy {
        case .never:
            return []
        case .everyRecords(let n):
            return (position + 1) % n == 0 ? [.publish(reason: "every-n")] : []
        case .onDrift(let holdout, let replay):
            switch state {
            case .stable:
                switch signal {
                case .none: return []
                case .warning:
                    state = .candidate(since: position)
                    calm = 0
                    return [.startCandidate(replay: 0)]
                case .drift:
                    state = .shadow(remaining: holdout)
                    return [.startCandidate(replay: replay), .startShadowEvaluation(records: holdout)]
                }
            case .candidate:
                switch signal {
                case .drift:
                    state = .shadow(remaining: holdout)
                    return [.startShadowEvaluation(records: holdout)]
                case .warning:
                    calm = 0
                    return []
                case .none:
                    calm += 1
                    if calm >= max(holdout, replay) {
                        state = .stable
                        return [.dropCandidate]
                    }
                    return []
                }
            case .shadow(let remaining):
                // Drifts during the evaluation do not restart it: the comparison is already on post-change data.
                if remaining <= 1 {
                    state = .stable
                    return [.decide]
                }
                state = .shadow(remaining: remaining - 1)
                return []
            }
        }
    }
}
