import Foundation

/// When a synthetic stream switches concept, and how fast: the ground truth
/// that drift-detection tests and benchmarks measure against.
///
/// A schedule starts in ``initialConcept`` and goes through ``changes`` in
/// order. A change with `width` 0 is **abrupt**: from `position` on, every row
/// comes from the new concept. A change with `width` w > 0 is **gradual**, as
/// in MOA's `ConceptDriftStream` (Bifet, A. et al. (2009), *New ensemble
/// methods for evolving data streams*, KDD 2009, pp. 139–148,
/// <https://doi.org/10.1145/1557019.1557041>): row `t` comes from the new
/// concept with probability `1 / (1 + exp(−4 (t − position) / w))`, a sigmoid
/// centred on `position` that goes from 12 % to 88 % over `w` rows. Changes
/// are applied in order, each one deciding between the concept chosen so far
/// and its own, so well-separated changes chain as expected.
public struct DriftSchedule: Sendable, Hashable, Codable {
    /// One concept switch.
    public struct Change: Sendable, Hashable, Codable {
        /// The row where the change happens (abrupt), or its centre (gradual).
        public var position: Int
        /// The concept switched to.
        public var concept: Int
        /// 0 for an abrupt change; otherwise the width of the sigmoid transition, in rows.
        public var width: Int

        /// A switch to `concept` at row `position`: abrupt if `width` is 0, otherwise a
        /// sigmoid `width` rows wide centred on `position`.
        /// - Precondition: `position` and `width` are not negative.
        public init(at position: Int, to concept: Int, width: Int = 0) {
            precondition(position >= 0 && width >= 0, "DriftSchedule.Change: position and width must not be negative")
            self.position = position
            self.concept = concept
            self.width = width
        }
    }

    /// The concept of the first rows.
    public var initialConcept: Int
    /// The switches, by increasing position.
    public var changes: [Change]

    /// Creates a schedule. - Precondition: `changes` are sorted by position.
    public init(initialConcept: Int = 0, changes: [Change] = []) {
        precondition(zip(changes, changes.dropFirst()).allSatisfy { $0.position <= $1.position },
                     "DriftSchedule: changes must be sorted by position")
        self.initialConcept = initialConcept
        self.changes = changes
    }

    /// No change: every row comes from `concept`.
    public static func stationary(_ concept: Int = 0) -> DriftSchedule {
        DriftSchedule(initialConcept: concept)
    }

    /// Goes through `concepts` in order, switching every `period` rows (at
    /// `period`, `2 · period`, ...), each switch `width` rows wide (0: abrupt).
    public static func cycling(through concepts: [Int], every period: Int, width: Int = 0) -> DriftSchedule {
        precondition(!concepts.isEmpty && period > 0, "DriftSchedule.cycling: needs concepts and a positive period")
        return DriftSchedule(initialConcept: concepts[0], changes: concepts.dropFirst().enumerated().map { i, concept in
            Change(at: (i + 1) * period, to: concept, width: width)
        })
    }

    /// The positions of the changes (the ground-truth change points).
    public var changePoints: [Int] { changes.map(\.position) }

    /// Every concept index the schedule uses.
    public var concepts: Set<Int> { Set([initialConcept] + changes.map(\.concept)) }

    /// The probability that row `t` comes from change `change`'s concept rather than the one before it.
    public func probability(of change: Change, at t: Int) -> Double {
        if change.width == 0 { return t >= change.position ? 1 : 0 }
        return 1 / (1 + exp(-4 * Double(t - change.position) / Double(change.width)))
    }

    /// The concept of row `t`. Draws one uniform number from `rng` per
    /// gradual change (whatever `t` is, so the number of draws per row is
    /// constant) and none for abrupt ones.
    public func concept(at t: Int, using rng: inout Xoshiro256StarStar) -> Int {
        var concept = initialConcept
        for change in changes {
            if change.width == 0 {
                if t >= change.position { concept = change.concept }
            } else if rng.nextUniform() < probability(of: change, at: t) {
                concept = change.concept
            }
        }
        return concept
    }
}
