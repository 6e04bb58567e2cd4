/// A window operator: what `explain` says about its state, beyond the shared operator contract.
protocol WindowOperator: StatefulOperator {
    var stateExplanation: String { get }
    /// Windows emitted so far (a window emitted for several keys counts once; sessions and count
    /// windows are per key, so each row is a window).
    var windowsEmitted: Int { get }
}

extension PaneWindowOperator: WindowOperator {}
extension SessionWindowOperator: WindowOperator { var windowsEmitted: Int { rowsEmitted } }
extension CountWindowOperator: WindowOperator { var windowsEmitted: Int { rowsEmitted } }

/// Builds the operator for a window step's kind.
enum WindowOperatorFactory {
    static func make(_ spec: WindowSpec, inputSchema: Schema, dictionaries: [String: KeyDictionary], inputCapacity: Int,
                     outputSchema: Schema, outputCapacity: Int, deadLetters: DeadLetters) throws(PlanError) -> any WindowOperator {
        guard !spec.aggregates.isEmpty else { throw PlanError("window by \(spec.by.joined(separator: ", ")) has no aggregates") }
        if spec.ttl != nil, case .count = spec.kind {} else if spec.ttl != nil {
            throw PlanError("ttl applies to count windows: a \(spec.kind) window frees a key's state when its windows close")
        }
        switch spec.kind {
        case .tumbling, .sliding:
            return try PaneWindowOperator(spec: spec, inputSchema: inputSchema, dictionaries: dictionaries, inputCapacity: inputCapacity,
                                          outputSchema: outputSchema, outputCapacity: outputCapacity, deadLetters: deadLetters)
        case .session:
            return try SessionWindowOperator(spec: spec, inputSchema: inputSchema, dictionaries: dictionaries, inputCapacity: inputCapacity,
                                             outputSchema: outputSchema, outputCapacity: outputCapacity, deadLetters: deadLetters)
        case .count:
            return try CountWindowOperator(spec: spec, inputSchema: inputSchema, dictionaries: dictionaries, inputCapacity: inputCapacity,
                                           outputSchema: outputSchema, outputCapacity: outputCapacity, deadLetters: deadLetters)
        }
    }
}
