extension PhysicalPlan {
    /// A readable description of the physical plan: stages, the operators fused
    /// into each, keys, dictionary encoding and state. Stable text (golden-tested).
    /// - Parameter parallel: the runtime layout to describe; nil for a single-threaded run.
    public func explain(parallel: ParallelOptions? = nil) -> String {
        var lines: [String] = []
        lines.append("pipeline \(spec.name)")
        if let summary = spec.summary { lines.append("  \(summary)") }
        let input = spec.schema.fields.map { f in
            "\(f.name): \(f.type)\(dictionaries[f.name] != nil ? " (dictionary-encoded key)" : "")"
        }
        lines.append("input: " + input.joined(separator: ", "))
        lines.append("micro-batch: \(batchSize) rows, columnar, selection vector")
        for (i, stage) in stages.enumerated() {
            lines.append("")
            let from = i == 0 ? "source" : "stage \(i) output"
            let to = stage.terminal == nil ? " -> sink" : ""
            if stage.fusedSteps.isEmpty {
                lines.append("stage \(i + 1): \(from)\(to)")
            } else {
                lines.append("stage \(i + 1): \(from) -> [\(stage.fusedSteps.joined(separator: " -> "))]\(to)\(stage.operators.count > 1 ? " (fused: one pass per batch)" : "")")
            }
            for (j, op) in stage.operators.enumerated() {
                lines.append("  \(j + 1). \(op.explanation)")
            }
            if let terminal = stage.terminal {
                lines.append("  => \(terminal.explanation)")
                if let w = terminal as? any WindowOperator {
                    lines.append("     \(w.stateExplanation)")
                }
            }
        }
        lines.append("")
        lines.append("output: " + outputSchema.fields.map(\.description).joined(separator: ", "))
        lines.append("")
        if let p = parallel, !(p.shards == 1 && p.prefetch == 0) {
            lines.append("runtime: \(p.shards) worker thread\(p.shards == 1 ? "" : "s"), each decoding blocks and owning one shard; prefetch \(p.prefetch) blocks; \(p.pooledUnits) work units (block + batch) bound memory")
            lines.append("  reader -> block queue -> workers: decode + stage 1 -> route")
            let stage = stages[0]
            if let routing = stage.routingSlots {
                if stage.shardStart < stage.operators.count {
                    lines.append("  workers run operators 1...\(stage.shardStart) of stage 1; shards run \(stage.shardStart + 1)...\(stage.operators.count) (keyed state) after routing")
                }
                let keys = routing.map { stage.layout.fields[$0].name }.joined(separator: ", ")
                if routing.isEmpty {
                    lines.append("  route: every row to shard 0 (the keyed steps share no key field, so one shard must see all rows)")
                } else {
                    lines.append("  route: hash(\(keys)) mod \(p.keyGroups) key groups -> shards in input order, each told the batch's max event time")
                }
                for shard in 0..<p.shards {
                    let groups = (0..<p.keyGroups).filter { p.shard(ofGroup: $0) == shard }
                    lines.append("    shard \(shard): key groups \(groups.first!)...\(groups.last!)")
                }
            } else {
                lines.append("  no keyed state: shard 0 writes the batches in input order")
            }
        } else {
            lines.append("runtime: single thread (read, decode, process, write)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
