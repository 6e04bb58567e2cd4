/// Plan-time checks and layout shared by the window operators: which field is the time, which
/// statistics each aggregated field needs, and how a window explains itself.
enum WindowStatistics {
    /// The slot of the event-time field (nil on the processing clock) and whether it is float64.
    static func timeField(_ spec: WindowSpec, _ inputSchema: Schema) throws(PlanError) -> (slot: Int?, isFloat: Bool) {
        if spec.clock == .processing { return (nil, false) }
        guard let slot = inputSchema.index(of: spec.time) else { throw PlanError.unknownField(spec.time, in: inputSchema, context: "window time") }
        let type = inputSchema.fields[slot].type
        guard type.isNumeric else { throw PlanError("window time field '\(spec.time)' must be int64 milliseconds, it is \(type)") }
        return (slot, type == .float64)
    }

    /// One statistics block per distinct aggregated field, with just the statistics its aggregates need.
    static func fields(_ spec: WindowSpec, _ inputSchema: Schema, allowStrings: Bool = true) throws(PlanError)
        -> (fields: [(name: String, slot: Int, needs: WindowAccumulators.Needs)], index: [String: Int], strings: Set<String>) {
        var fields: [(name: String, slot: Int, needs: WindowAccumulators.Needs)] = []
        var index: [String: Int] = [:]
        var strings = Set<String>()
        for a in spec.aggregates {
            guard let field = a.field else { continue }
            guard let slot = inputSchema.index(of: field) else { throw PlanError.unknownField(field, in: inputSchema, context: "aggregate \(a.function.rawValue)") }
            let type = inputSchema.fields[slot].type
            if a.function == .distinct, type == .string, allowStrings {
                strings.insert(field)
            } else if !type.isNumeric {
                throw PlanError("cannot take \(a.function.rawValue) of '\(field)': it is \(type), not a number"
                                + (a.function == .distinct ? " (count windows count distinct numbers only)" : ""))
            }
            if a.function == .quantile, !(0...1).contains(a.q ?? -1) {
                throw PlanError("quantile(\(field)): q must be within 0...1, got \(a.q.map { String($0) } ?? "none")")
            }
            let needs: WindowAccumulators.Needs
            switch a.function {
            case .count: needs = []
            case .sum, .mean: needs = .sum
            case .min: needs = .min
            case .max: needs = .max
            case .variance, .stddev: needs = .welford
            case .first: needs = .first
            case .last: needs = .last
            case .quantile: needs = .quantile
            case .distinct: needs = .distinct
            }
            if strings.contains(field), needs != .distinct, needs != [] {
                throw PlanError("cannot take \(a.function.rawValue) of '\(field)': it is a string; only distinct counts apply")
            }
            if let i = index[field] {
                fields[i].needs.formUnion(needs)
            } else {
                index[field] = fields.count
                fields.append((field, slot, needs))
            }
        }
        return (fields, index, strings)
    }

    static func explanation(_ spec: WindowSpec) -> String {
        let time = spec.clock == .processing ? "processing time" : "time \(spec.time)"
        return "window \(spec.kind) by \(spec.by.joined(separator: ", ")) \(time): "
            + spec.aggregates.map { a in
                let args = [a.field ?? "*"] + (a.q.map { ["q=\($0)"] } ?? [])
                return "\(a.function.rawValue)(\(args.joined(separator: ", "))) as \(a.name)"
            }.joined(separator: ", ")
    }

    static func timeExplanation(_ spec: WindowSpec) -> String {
        var parts: [String] = []
        if spec.clock == .processing {
            parts.append("processing-time clock")
        } else if spec.maxOutOfOrderness.milliseconds == 0 {
            parts.append("watermark = max event time")
        } else {
            parts.append("watermark = max event time - \(spec.maxOutOfOrderness)")
        }
        parts.append(spec.allowedLateness.milliseconds == 0 ? "zero allowed lateness" : "allowed lateness \(spec.allowedLateness) (corrections re-emitted as timing=late)")
        if spec.emit == .updates { parts.append("early updates every micro-batch (timing=early)") }
        parts.append("late events -> late-data output")
        return parts.joined(separator: ", ")
    }
}
