extension StageBuilder {
    /// Adds an `enrich` step: checks the key and fields, opens the table through
    /// `resources`, and appends an ``EnrichOperator`` writing the new fields.
    ///
    /// With `resources` nil (the compiler's dry run of the steps after a window,
    /// which only needs the resulting layout) the table is not opened and no
    /// operator is added; the layout changes exactly as in the real run.
    mutating func addEnrich(_ spec: EnrichSpec, resources: PlanResources?, deadLetters: DeadLetters, where context: String) throws(PlanError) {
        let keySlot = try slotOf(spec.key, context: "enrich key in \(context)")
        let keyType = layout.fields[keySlot].type
        guard keyType == .string || keyType == .int64 else {
            throw PlanError("enrich key '\(spec.key)' must be string or int64, it is \(keyType) (\(context)); coerce it first")
        }
        guard !spec.table.isEmpty else { throw PlanError("enrich on '\(spec.key)' needs a table (\(context))") }
        guard !spec.fields.isEmpty else { throw PlanError("enrich from \(spec.table) needs at least one field to add (\(context))") }
        var names = Set<String>()
        for f in spec.fields {
            guard names.insert(f.name).inserted else { throw PlanError("enrich from \(spec.table) lists field '\(f.name)' twice (\(context))") }
            if f.name == spec.key { throw PlanError("enrich from \(spec.table) cannot replace its key field '\(f.name)' (\(context))") }
            if f.name == spec.resolvedTableKey { throw PlanError("enrich from \(spec.table): '\(f.name)' is the table's key column, which equals '\(spec.key)'; list only the columns to add (\(context))") }
        }
        if case .lru(let capacity, let ttl) = spec.cache {
            guard capacity > 0 && capacity < Int(Int32.max) else { throw PlanError("enrich cache capacity must be between 1 and \(Int32.max - 1), got \(capacity) (\(context))") }
            if let ttl, ttl.milliseconds <= 0 { throw PlanError("enrich cache ttl must be positive, got \(ttl) (\(context))") }
        }
        var table: (any LookupTable)?
        if let resources {
            do {
                table = try resources.lookupTable(LookupTableRequest(spec: spec, keyType: keyType))
            } catch let error as PlanError {
                throw PlanError("\(error.message) (\(context))")
            } catch let error as LookupTableError {
                throw PlanError("\(error.message) (\(context))")
            } catch {
                throw PlanError("enrich: cannot open lookup table '\(spec.table)': \(error) (\(context))")
            }
        }
        let targets = spec.fields.map { targetSlot($0.name, $0.type) }
        if let table, let resources {
            operators.append(EnrichOperator(spec: spec, keySlot: keySlot, keyType: keyType, targets: targets, table: table,
                                  clock: resources.clock, deadLetters: deadLetters))
        }
    }
}
