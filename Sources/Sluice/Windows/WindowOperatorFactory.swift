/// A window operator: what `explain` says about its state, beyond the shared operator contract.
protocol WindowOperator: StatefulOperator {
    /// Time, key and watermark-before-row for every input row; the runtime's hints land here.
    var input: WindowInput { get }
    var stateExplanation: String { get }
    /// Windows emitted so far (a window emitted for several keys counts once; sessions and count
    /// windows are per key, so each row is a window).
    var windowsEmitted: Int { get }
    /// The event-time watermark: windows ending at or before it have fired (`Int64.min`: none yet).
    var watermark: Int64 { get }
}

extension WindowOperator {
    var keys: WindowKeys { input.keys }
    var keySlots: [Int] { input.keys.slots }
    var eventTimeSlot: Int? { input.timeSlot }
    var batchMaxTimeHint: Int64? {
        get { input.batchMaxTimeHint }
        set { input.batchMaxTimeHint = newValue }
    }
    var rowWatermarkHint: UnsafePointer<Int64>? {
        get { input.rowWatermarkHint }
        set { input.rowWatermarkHint = newValue }
    }
    /// The wall clock in epoch milliseconds, for processing-time windows (replaceable in tests).
    var processingClock: () -> Int64 {
        get { input.processingClock }
        set { input.processingClock = newValue }
    }
    /// Key-space compactions so far.
    var keyCompactions: Int { input.compactions }
}

extension PaneWindowOperator: WindowOperator { var watermark: Int64 { state.watermark } }
extension SessionWindowOperator: WindowOperator {
    var windowsEmitted: Int { rowsEmitted }
    var watermark: Int64 { state.watermark }
}
extension CountWindowOperator: WindowOperator {
    var windowsEmitted: Int { rowsEmitted }
    var watermark: Int64 { state.watermark }
}

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
