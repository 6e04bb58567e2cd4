/// Compiles a logical plan (``PipelineSpec``) into a ``PhysicalPlan``.
///
/// - Checks every field reference and type before any data is read
///   (``PlanError`` names the step and suggests near-miss field names).
/// - Fuses consecutive stateless steps (clean, normalize, derive, select)
///   into one stage; a window ends a stage and starts the next.
/// - Marks grouping-key string fields for dictionary encoding at decode time.
/// - Registers every rejection reason with the run's ``DeadLetters``.
public enum PlanCompiler {
    public static let defaultBatchSize = 4096

    /// `resources` provides what steps need from outside the core: the tables of `enrich` steps (opened here, once per call).
    public static func compile(_ spec: PipelineSpec, deadLetters: DeadLetters, batchSize: Int? = nil, resources: PlanResources = .init()) throws(PlanError) -> PhysicalPlan {
        let capacity = batchSize ?? spec.batchSize ?? defaultBatchSize
        guard capacity > 0 && capacity <= 1 << 20 else { throw PlanError("batch size must be between 1 and 1048576, got \(capacity)") }
        guard !spec.schema.fields.isEmpty else { throw PlanError("pipeline '\(spec.name)' has an empty schema") }
        var seen = Set<String>()
        for f in spec.schema.fields where !seen.insert(f.name).inserted { throw PlanError("schema has two fields named '\(f.name)'") }

        // Grouping keys of the first window that are still raw input strings get dictionary-encoded by the decoder.
        var dictionaries: [String: KeyDictionary] = [:]
        var replaced = Set<String>()
        for step in spec.steps {
            if case .window(let w) = step {
                for k in w.by where spec.schema[k]?.type == .string && !replaced.contains(k) { dictionaries[k] = KeyDictionary() }
                break
            }
            replaced.formUnion(outputsOf(step))
        }

        var stages: [PhysicalPlan.Stage] = []
        var builder = StageBuilder(layout: spec.schema, capacity: capacity)
        var fused: [String] = []
        var stageIndex = 1
        for (i, step) in spec.steps.enumerated() {
            let where_ = "step \(i + 1) (\(step.kindName))"
            switch step {
            case .clean(let rules):
                for rule in rules { try builder.addClean(rule, deadLetters: deadLetters, where: where_) }
                fused.append("clean(\(rules.count) rule\(rules.count == 1 ? "" : "s"))")
            case .normalize(let rules):
                for rule in rules { try builder.addNormalize(rule, deadLetters: deadLetters, where: where_) }
                fused.append("normalize(\(rules.map(\.output).joined(separator: ", ")))")
            case .derive(let name, let expr):
                try builder.addDerive(name: name, expr: expr, where: where_)
                fused.append("derive(\(name))")
            case .select(let fields):
                try builder.select(fields, where: where_)
                fused.append("select(\(fields.joined(separator: ", ")))")
            case .retain(let r):
                try builder.addRetain(r, where: where_)
                fused.append("retain(\(r.directory))")
            case .enrich(let e):
                try builder.addEnrich(e, resources: resources, deadLetters: deadLetters, where: where_)
                fused.append("enrich(\(e.fields.map(\.name).joined(separator: ", ")))")
            case .anonymize(let rules):
                for rule in rules { try builder.addAnonymize(rule, where: where_) }
                fused.append("anonymize(\(rules.map(\.field).joined(separator: ", ")))")
            case .features(let f):
                try builder.addFeatures(f, dictionaries: stageIndex == 1 ? dictionaries : [:], deadLetters: deadLetters, where: where_)
                fused.append("features(\(f.features.flatMap(\.outputs).map(\.name).joined(separator: ", ")))")
            case .window(let w):
                // The next stage's layout must be known now: the window writes its output batches in it.
                let outFields = try WindowEmitter.outputFields(w, inputSchema: builder.scope)
                let rest = Array(spec.steps[(i + 1)...])
                let next = StageBuilder(layout: Schema(outFields), capacity: capacity)
                let nextDicts: [String: KeyDictionary] = stageIndex == 1 ? dictionaries : [:]
                // Dry-run the following steps to learn the full next layout.
                var probe = next
                let probeLetters = DeadLetters(sink: nil)
                for s in rest {
                    if case .window = s { break }
                    try probe.apply(s, deadLetters: probeLetters, where: "after the window")
                }
                let window = try WindowOperatorFactory.make(w, inputSchema: builder.scope, dictionaries: nextDicts,
                                                         inputCapacity: capacity, outputSchema: probe.layout,
                                                         outputCapacity: capacity, deadLetters: deadLetters)
                fused.append("window")
                stages.append(PhysicalPlan.Stage(layout: builder.layout, operators: builder.operators, terminal: window, fusedSteps: fused))
                // `next` applies the same steps below and so arrives at exactly `probe.layout`.
                builder = next
                fused = []
                stageIndex += 1
            }
        }
        stages.append(PhysicalPlan.Stage(layout: builder.layout, operators: builder.operators, terminal: nil, fusedSteps: fused))
        let outputSchema = Schema(builder.visible.map { builder.layout.fields[$0] })
        return PhysicalPlan(spec: spec, stages: stages, dictionaries: dictionaries, outputSchema: outputSchema,
                            outputSlots: builder.visible, batchSize: capacity)
    }

    /// Fields a stateless step writes.
    private static func outputsOf(_ step: Step) -> [String] {
        switch step {
        case .clean(let rules):
            return rules.compactMap { if case .coerce(let f, _) = $0 { return f } else { return nil } }
        case .normalize(let rules): return rules.map(\.output)
        case .derive(let name, _): return [name]
        case .select, .window: return []
        case .enrich(let e): return e.fields.map(\.name)
        case .retain: return []
        case .features(let f): return f.features.flatMap(\.outputs).map(\.name)
        case .anonymize(let rules):
            // Rewritten fields are no longer the raw input strings a decoder could dictionary-encode.
            return rules.compactMap {
                switch $0 {
                case .drop: return nil
                case .mask(let f, _, _): return f
                case .hash(let f, _, let a): return a ?? f
                }
            }
        }
    }
}

extension Step {
    var kindName: String {
        switch self {
        case .clean: return "clean"
        case .normalize: return "normalize"
        case .derive: return "derive"
        case .select: return "select"
        case .window: return "window"
        case .enrich: return "enrich"
        case .retain: return "retain"
        case .features: return "features"
        case .anonymize: return "anonymize"
        }
    }
}

/// Builds one stage: its layout (slots), what is visible by name, and its operators.
struct StageBuilder {
    private(set) var layout: Schema
    /// Slots visible to later steps and the output, in order.
    private(set) var visible: [Int]
    var operators: [any BatchOperator] = []
    let capacity: Int
    private var hiddenCounter = 0

    init(layout: Schema, capacity: Int) {
        self.layout = layout
        self.visible = Array(0..<layout.count)
        self.capacity = capacity
    }

    /// The layout with slots as they are, but only visible fields reachable by name.
    var scope: Schema { visibleSchemaForExpressions }

    func slotOf(_ name: String, context: String) throws(PlanError) -> Int {
        guard let slot = layout.index(of: name), visible.contains(slot) else {
            throw PlanError.unknownField(name, in: Schema(visible.map { layout.fields[$0] }), context: context)
        }
        return slot
    }

    mutating func addAnonymize(_ rule: AnonymizeRule, where context: String) throws(PlanError) {
        let slot = try slotOf(rule.field, context: "anonymize in \(context)")
        switch rule {
        case .drop:
            // Out of sight for every later step and the output; the bytes die with the batch.
            visible.removeAll { $0 == slot }
        case .mask(let field, let keepLast, let with):
            guard layout.fields[slot].type == .string else { throw PlanError("mask needs a string, '\(field)' is \(layout.fields[slot].type) (\(context)); coerce it to string first") }
            guard keepLast >= 0 else { throw PlanError("mask(\(field)): keep_last must not be negative (\(context))") }
            guard with.utf8.count == 1 else { throw PlanError("mask(\(field)): 'with' must be one ASCII character, not '\(with)' (\(context))") }
            operators.append(MaskColumn(field: field, slot: slot, keepLast: keepLast, mask: with.utf8.first!))
        case .hash(let field, let salt, let output):
            let type = layout.fields[slot].type
            guard type == .string || type == .int64 else { throw PlanError("hash needs a string or an integer, '\(field)' is \(type) (\(context))") }
            let to = targetSlot(output ?? field, .string)
            operators.append(SaltedHashColumn(field: field, from: slot, fromType: type, to: to, salt: salt))
        }
    }

    /// Hides a slot's name (a replaced field), keeping its data.
    private mutating func hide(_ slot: Int) {
        hiddenCounter += 1
        let f = layout.fields[slot]
        var fields = layout.fields
        fields[slot] = Field("\(f.name)#\(hiddenCounter)", f.type)
        layout = Schema(fields)
    }

    /// The slot to write field `name` of `type` into: in place when the type matches, else a new slot.
    mutating func targetSlot(_ name: String, _ type: DataType) -> Int {
        if let slot = layout.index(of: name) {
            if layout.fields[slot].type == type {
                if !visible.contains(slot) { visible.append(slot) }
                return slot
            }
            hide(slot)
            let newSlot = layout.count
            layout.append(Field(name, type))
            if let i = visible.firstIndex(of: slot) { visible[i] = newSlot } else { visible.append(newSlot) }
            return newSlot
        }
        layout.append(Field(name, type))
        visible.append(layout.count - 1)
        return layout.count - 1
    }

    mutating func apply(_ step: Step, deadLetters: DeadLetters, where context: String) throws(PlanError) {
        switch step {
        case .clean(let rules): for r in rules { try addClean(r, deadLetters: deadLetters, where: context) }
        case .normalize(let rules): for r in rules { try addNormalize(r, deadLetters: deadLetters, where: context) }
        case .derive(let name, let expr): try addDerive(name: name, expr: expr, where: context)
        case .select(let fields): try select(fields, where: context)
        case .window: break
        case .enrich(let e): try addEnrich(e, resources: nil, deadLetters: deadLetters, where: context)
        case .retain(let r): try addRetain(r, where: context)
        case .features(let f): try addFeatures(f, dictionaries: [:], deadLetters: deadLetters, where: context)
        case .anonymize(let rules): for r in rules { try addAnonymize(r, where: context) }
        }
    }

    private var compiler: ExpressionCompiler { ExpressionCompiler(schema: visibleSchemaForExpressions, capacity: capacity) }

    /// The layout with invisible slots renamed, so expressions only resolve visible names.
    private var visibleSchemaForExpressions: Schema {
        var fields = layout.fields
        for i in fields.indices where !visible.contains(i) && !fields[i].name.contains("#") {
            fields[i] = Field("\(fields[i].name)#hidden\(i)", fields[i].type)
        }
        return Schema(fields)
    }

    mutating func addClean(_ rule: CleanRule, deadLetters: DeadLetters, where context: String) throws(PlanError) {
        switch rule {
        case .require(let fields):
            var slots: [Int] = []
            for f in fields { slots.append(try slotOf(f, context: "require in \(context)")) }
            operators.append(RequireFilter(fields: fields, slots: slots, deadLetters: deadLetters))
        case .inRange(let field, let lo, let hi, let allowNull):
            let slot = try slotOf(field, context: "in_range in \(context)")
            guard layout.fields[slot].type.isNumeric else { throw PlanError("in_range needs a number, '\(field)' is \(layout.fields[slot].type) (\(context)); coerce it first") }
            guard lo <= hi else { throw PlanError("in_range(\(field)): min \(lo) is above max \(hi) (\(context))") }
            operators.append(RangeFilter(field: field, slot: slot, min: lo, max: hi, allowNull: allowNull, deadLetters: deadLetters))
        case .drop(let condition), .keep(let condition):
            let isDrop = if case .drop = rule { true } else { false }
            let node: BoolNode
            do { node = try compiler.compileBool(condition) } catch { throw PlanError("\(error.message) (\(isDrop ? "drop" : "keep") in \(context))") }
            let reason = RejectionReason(isDrop ? .droppedByRule : .failedKeep, rule: "\(isDrop ? "drop" : "keep") where \(condition)")
            operators.append(PredicateFilter(condition: condition, node: node, dropWhenTrue: isDrop, reason: reason, deadLetters: deadLetters))
        case .coerce(let field, let type):
            let from = try slotOf(field, context: "coerce in \(context)")
            let fromType = layout.fields[from].type
            guard CoerceColumn.isSupported(from: fromType, to: type) else { throw PlanError("cannot coerce '\(field)' from \(fromType) to \(type) (\(context))") }
            if fromType == type { return }
            let to = targetSlot(field, type)
            operators.append(CoerceColumn(field: field, from: from, fromType: fromType, to: to, toType: type, deadLetters: deadLetters))
        case .dedupe(let fields, let capacity):
            guard !fields.isEmpty else { throw PlanError("dedupe needs at least one field (\(context))") }
            guard capacity > 0 else { throw PlanError("dedupe capacity must be positive (\(context))") }
            var slots: [Int] = []
            for f in fields { slots.append(try slotOf(f, context: "dedupe in \(context)")) }
            operators.append(DedupeFilter(fields: fields, slots: slots, capacity: capacity, deadLetters: deadLetters))
        }
    }

    mutating func addNormalize(_ rule: NormalizeRule, deadLetters: DeadLetters, where context: String) throws(PlanError) {
        let slot = try slotOf(rule.field, context: "normalize in \(context)")
        guard layout.fields[slot].type.isNumeric else { throw PlanError("cannot normalize '\(rule.field)': it is \(layout.fields[slot].type), not a number (\(context))") }
        switch rule {
        case .zScore(_, _, let std, _) where !(std > 0 && std.isFinite):
            throw PlanError("zscore(\(rule.field)): std must be positive, got \(std) (\(context))")
        case .minMax(_, let lo, let hi, _) where !(hi > lo):
            throw PlanError("minmax(\(rule.field)): max must be above min, got \(lo)...\(hi) (\(context))")
        case .clip(_, let lo, let hi, _) where !(hi >= lo):
            throw PlanError("clip(\(rule.field)): max must not be below min, got \(lo)...\(hi) (\(context))")
        case .log(let field, let offset, _):
            let domain: Expr = Col(field) + .literal(.double(offset)) <= .literal(.double(0))
            let reason = RejectionReason(.domainError, rule: "log(\(field)\(offset == 0 ? "" : " + \(offset)")) needs a positive argument", field: field)
            operators.append(PredicateFilter(condition: domain, node: try compiler.compileBool(domain), dropWhenTrue: true, reason: reason, deadLetters: deadLetters))
        default: break
        }
        let node = try compiler.compileFloat(rule.expr)
        let target = targetSlot(rule.output, .float64)
        operators.append(ComputeColumn(name: rule.output, expr: rule.expr, source: .float(node), target: target, label: "\(rule.output) = \(rule.expr)"))
    }

    mutating func addDerive(name: String, expr: Expr, where context: String) throws(PlanError) {
        let type: DataType?
        let compiled: CompiledExpr
        do {
            type = try ExpressionCompiler.type(of: expr, in: visibleSchemaForExpressions)
            compiled = try compiler.compile(expr)
        } catch {
            throw PlanError("\(error.message) (derive \(name) in \(context))")
        }
        switch compiled {
        case .float(let node):
            let target = targetSlot(name, .float64)
            operators.append(ComputeColumn(name: name, expr: expr, source: .float(node), target: target, label: "\(name) = \(expr)"))
        case .bool(let node):
            let target = targetSlot(name, .bool)
            operators.append(ComputeColumn(name: name, expr: expr, source: .bool(node), target: target, label: "\(name) = \(expr)"))
        case .stringColumn(let slot):
            if case .column(let src) = expr, src == name { return }
            let target = targetSlot(name, .string)
            operators.append(ComputeColumn(name: name, expr: expr, source: .copy(slot: slot), target: target, label: "\(name) = \(expr)"))
        case .stringConstant, .null:
            throw PlanError("derive \(name): constant \(type?.description ?? "null") values are not supported yet; derive from a field (\(context))")
        }
        // An int64 column reference keeps its type only via coerce; arithmetic is float64.
    }

    /// Streaming features: resolves inputs, adds the output columns, builds one kernel per feature.
    mutating func addFeatures(_ spec: FeatureSpec, dictionaries: [String: KeyDictionary], deadLetters: DeadLetters, where context: String) throws(PlanError) {
        guard !spec.features.isEmpty else { throw PlanError("features needs at least one feature (\(context))") }
        let keyed = spec.features.filter(\.isKeyed)
        if !keyed.isEmpty && spec.by.isEmpty {
            throw PlanError("features \(keyed.map { "'\($0.field)'" }.joined(separator: ", ")) keep state per key: give 'by' (\(context))")
        }
        if let ttl = spec.ttl {
            guard ttl.milliseconds > 0 else { throw PlanError("features ttl must be positive, got \(ttl) (\(context))") }
            guard spec.time != nil else { throw PlanError("features ttl needs 'time' (the event-time field) (\(context))") }
        }
        var timeSlot: Int?
        if let time = spec.time {
            let slot = try slotOf(time, context: "features time in \(context)")
            guard layout.fields[slot].type.isNumeric else { throw PlanError("features time '\(time)' must be int64 milliseconds (\(context))") }
            timeSlot = slot
        }
        let keys = spec.by.isEmpty ? nil : try WindowKeys(spec.by, inputSchema: scope, dictionaries: dictionaries)
        var kernels: [any FeatureKernel] = []
        for feature in spec.features {
            let input = try slotOf(feature.field, context: "feature on '\(feature.field)' in \(context)")
            let type = layout.fields[input].type
            func numeric() throws(PlanError) {
                guard type.isNumeric else { throw PlanError("feature on '\(feature.field)' needs a number, it is \(type) (\(context))") }
            }
            switch feature {
            case .lag(_, let lags):
                try numeric()
                guard !lags.isEmpty, lags.allSatisfy({ (1...10_000).contains($0) }) else { throw PlanError("lags must be within 1...10000 (\(context))") }
                let outs = feature.outputs.map { targetSlot($0.name, $0.type) }
                kernels.append(LagKernel(input: input, lags: lags, outputs: outs))
            case .rolling(_, let last, let span, _):
                try numeric()
                if let last, !(1...100_000).contains(last) { throw PlanError("rolling last must be within 1...100000 (\(context))") }
                if let span {
                    guard span.milliseconds > 0 else { throw PlanError("rolling span must be positive (\(context))") }
                    guard timeSlot != nil else { throw PlanError("rolling over a time span needs 'time' (\(context))") }
                }
                guard (last == nil) != (span == nil) else { throw PlanError("rolling needs exactly one of last or span (\(context))") }
                let outs = feature.outputs.map { targetSlot($0.name, $0.type) }
                kernels.append(RollingKernel(input: input, last: last, span: span?.milliseconds, meanOutput: outs[0], stdOutput: outs[1]))
            case .ewma(_, let alpha, _):
                try numeric()
                guard alpha > 0 && alpha <= 1 else { throw PlanError("ewma alpha must be within (0, 1], got \(alpha) (\(context))") }
                kernels.append(EWMAKernel(input: input, output: targetSlot(feature.outputs[0].name, .float64), alpha: alpha))
            case .runningZScore(_, let warmUp, _), .runningMinMax(_, let warmUp, _):
                try numeric()
                guard warmUp >= 0 else { throw PlanError("warm_up must not be negative (\(context))") }
                let kind: RunningNormalizationKernel.Kind = if case .runningZScore = feature { .zScore } else { .minMax }
                kernels.append(RunningNormalizationKernel(kind: kind, input: input, output: targetSlot(feature.outputs[0].name, .float64), warmUp: warmUp))
            case .timeParts(_, let parts):
                try numeric()
                guard !parts.isEmpty else { throw PlanError("time_parts needs at least one part (\(context))") }
                let outs = feature.outputs.map { targetSlot($0.name, $0.type) }
                kernels.append(TimePartsKernel(input: input, parts: Array(zip(parts, outs))))
            case .hashBucket(_, let buckets, _):
                guard buckets > 0 else { throw PlanError("hash buckets must be positive (\(context))") }
                kernels.append(HashBucketKernel(input: input, output: targetSlot(feature.outputs[0].name, .int64), buckets: buckets))
            case .oneHot(_, let values):
                guard type == .string else { throw PlanError("one_hot needs a string field, '\(feature.field)' is \(type) (\(context))") }
                guard !values.isEmpty, Set(values).count == values.count else { throw PlanError("one_hot needs distinct values (\(context))") }
                let outs = feature.outputs.map { targetSlot($0.name, $0.type) }
                kernels.append(OneHotKernel(input: input, values: values, outputs: outs))
            }
        }
        operators.append(FeatureOperator(spec: spec, keys: keys, timeSlot: timeSlot, kernels: kernels, deadLetters: deadLetters))
    }

    /// A pass-through operator that keeps the visible fields' rows in a replay directory.
    mutating func addRetain(_ spec: RetainSpec, where context: String) throws(PlanError) {
        operators.append(try RetainOperator(spec, fields: visible.map { layout.fields[$0] }, slots: visible, context: "retain in \(context)"))
    }

    mutating func select(_ fields: [String], where context: String) throws(PlanError) {
        guard !fields.isEmpty else { throw PlanError("select needs at least one field (\(context))") }
        var slots: [Int] = []
        for f in fields {
            let s = try slotOf(f, context: "select in \(context)")
            if slots.contains(s) { throw PlanError("select lists '\(f)' twice (\(context))") }
            slots.append(s)
        }
        visible = slots
    }
}
