/// A compiled, runnable pipeline: fused stages over fixed batch layouts.
///
/// A stage is a run of stateless operators executed back to back on one
/// batch, optionally ended by a stateful operator (a window) whose output
/// batches feed the next stage. One instance holds the state of one run.
public final class PhysicalPlan {
    public final class Stage {
        /// All columns of this stage's batches, by slot. Replaced or hidden fields keep their slot under a name with `#`.
        public let layout: Schema
        public let operators: [any BatchOperator]
        public let terminal: (any StatefulOperator)?
        /// Fused operator groups, for `explain`: which logical steps were fused into this stage.
        public let fusedSteps: [String]

        init(layout: Schema, operators: [any BatchOperator], terminal: (any StatefulOperator)?, fusedSteps: [String]) {
            self.layout = layout
            self.operators = operators
            self.terminal = terminal
            self.fusedSteps = fusedSteps
        }
    }

    public let spec: PipelineSpec
    public let stages: [Stage]
    /// Input fields that the decoder dictionary-encodes (grouping keys).
    public let dictionaries: [String: KeyDictionary]
    /// The fields written to the output, in order, and their slots in the last stage's layout.
    public let outputSchema: Schema
    public let outputSlots: [Int]
    public let batchSize: Int

    init(spec: PipelineSpec, stages: [Stage], dictionaries: [String: KeyDictionary], outputSchema: Schema, outputSlots: [Int], batchSize: Int) {
        self.spec = spec
        self.stages = stages
        self.dictionaries = dictionaries
        self.outputSchema = outputSchema
        self.outputSlots = outputSlots
        self.batchSize = batchSize
    }

    /// The schema the source decodes: the spec's input fields, in slots 0..<n of the first stage.
    public var inputSchema: Schema { spec.schema }

    /// A batch with the first stage's layout, for sources to decode into.
    public func makeInputBatch() -> Batch {
        Batch(schema: stages[0].layout, capacity: batchSize, dictionaries: dictionaries)
    }

    /// Bytes of operator state currently held.
    public var stateBytes: Int { stages.reduce(0) { $0 + ($1.terminal?.stateBytes ?? 0) } }
}

extension PhysicalPlan {
    /// Between batches: resets decoder dictionaries that reached their size limit, so key
    /// cardinality cannot grow them without bound (consumers translate ids by generation).
    public func resetFullDictionaries() {
        for d in dictionaries.values { d.resetIfFull() }
    }
}

extension Batch {
    /// Records, per dictionary-encoded column, which generation of its dictionary the ids belong to.
    public func stampKeyGenerations() {
        for c in columns where c.keyIDs != nil { c.keyGeneration = c.dictionary?.generation ?? 0 }
    }
}
