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

        /// In a parallel run, operators from this index on run on the shards, after routing: the
        /// first keyed operator (dedupe, features) and everything after it. Before it, workers.
        public let shardStart: Int
        /// The slots rows are routed to shards by, in a parallel run: the key fields every keyed
        /// operator of the stage (and its window) has in common, so each sees all rows of its keys.
        /// `[]`: they share none, so one shard takes every row. Nil: the stage keeps no keyed state.
        public let routingSlots: [Int]?

        init(layout: Schema, operators: [any BatchOperator], terminal: (any StatefulOperator)?, fusedSteps: [String]) {
            self.layout = layout
            self.operators = operators
            self.terminal = terminal
            self.fusedSteps = fusedSteps
            let keyed = operators.enumerated().compactMap { $0.element is any KeyedBatchOperator ? $0.offset : nil }
            shardStart = keyed.first ?? operators.count
            var keySets: [[Int]] = keyed.map { (operators[$0] as! any KeyedBatchOperator).keySlots }
            if let terminal { keySets.append(terminal.keySlots) }
            if keySets.isEmpty {
                routingSlots = nil
            } else {
                let common = keySets.dropFirst().reduce(Set(keySets[0])) { $0.intersection($1) }
                routingSlots = (terminal?.keySlots ?? keySets[0]).filter { common.contains($0) }
            }
        }
    }

    public let spec: PipelineSpec
    public let stages: [Stage]
    /// Input fields that the decoder dictionary-encodes (grouping keys).
    public private(set) var dictionaries: [String: KeyDictionary]
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
    public var stateBytes: Int {
        stages.reduce(0) { total, stage in
            total + (stage.terminal?.stateBytes ?? 0) + stage.operators.reduce(0) { $0 + (($1 as? FeatureOperator)?.stateBytes ?? 0) }
        }
    }
}

extension PhysicalPlan {
    /// Between batches: gives decoders a fresh dictionary in place of one that reached its size
    /// limit, so key cardinality cannot grow it without bound (windows keep the old one as their
    /// own key space and translate the new ids). Returns whether any was replaced; then call
    /// ``attachDictionaries(to:)`` on the batches the decoder fills.
    @discardableResult
    public func replaceFullDictionaries() -> Bool {
        var replaced = false
        for (name, d) in dictionaries where d.isFull {
            let fresh = KeyDictionary()
            fresh.maxKeys = d.maxKeys
            dictionaries[name] = fresh
            replaced = true
        }
        return replaced
    }

    /// Points a stage-1 batch's dictionary-encoded columns at the current dictionaries.
    public func attachDictionaries(to batch: Batch) {
        for (slot, column) in batch.columns.enumerated() where column.keyIDs != nil {
            column.dictionary = dictionaries[stages[0].layout.fields[slot].name]
        }
    }
}
