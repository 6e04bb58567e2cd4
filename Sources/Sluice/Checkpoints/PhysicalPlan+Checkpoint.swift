extension PhysicalPlan {
    /// Every operator that keeps state across batches, in plan order (stage by stage, operators
    /// before the stage's window), with a name for messages.
    private var statefulOperators: [(name: String, op: AnyObject)] {
        var all: [(String, AnyObject)] = []
        for (s, stage) in stages.enumerated() {
            for op in stage.operators where op is any KeyedBatchOperator { all.append(("stage \(s + 1): \(op.explanation)", op)) }
            if let t = stage.terminal { all.append(("stage \(s + 1): \(t.explanation)", t)) }
        }
        return all
    }

    /// Operators that keep state across batches (windows, dedupe, features), named: what would have
    /// to move with its keys if the input were split differently (empty: a stateless pipeline).
    public var statefulOperatorNames: [String] { statefulOperators.map(\.name) }

    /// Throws ``CheckpointError/unsupported(_:)`` naming any stateful operator whose state
    /// checkpoints cannot capture, so a run refuses at start instead of restoring half its state.
    public func checkCheckpointSupport() throws(CheckpointError) {
        let missing = statefulOperators.filter { !($0.op is any CheckpointableOperator) }.map(\.name)
        if !missing.isEmpty { throw .unsupported("these operators' state is not captured yet: \(missing.joined(separator: "; "))") }
    }

    /// Between batches: the state of every stateful operator, in plan order.
    public func saveState() -> StateWriter {
        var w = StateWriter()
        let ops = statefulOperators
        w.write(ops.count)
        for (name, op) in ops {
            w.write(name)
            var inner = StateWriter()
            (op as? any CheckpointableOperator)?.saveState(to: &inner)
            w.write(inner)
        }
        return w
    }

    /// Before the first batch: restores what ``saveState()`` wrote for a plan of the same spec.
    public func restoreState(_ bytes: [UInt8]) throws(CheckpointError) {
        var r = StateReader(bytes)
        let ops = statefulOperators
        let count = try r.readInt()
        guard count == ops.count else { throw .mismatch("the checkpoint holds the state of \(count) operators, this pipeline has \(ops.count)") }
        for (name, op) in ops {
            let saved = try r.readString()
            guard saved == name else { throw .mismatch("the checkpoint holds '\(saved)' where this pipeline has '\(name)'") }
            var inner = try r.readNested()
            guard let op = op as? any CheckpointableOperator else { throw .unsupported(name) }
            try op.restoreState(from: &inner)
            guard inner.isAtEnd else { throw .corrupt("'\(name)' left unread state") }
        }
        guard r.isAtEnd else { throw .corrupt("bytes after the last operator's state") }
    }
}
