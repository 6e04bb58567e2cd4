@testable import Sluice

/// Runs a window step over a script of records and returns its output as readable lines, so a
/// test reads like a timing diagram:
///
/// ```
/// "a@1:1 a@4:2 | a@12:5"   // key@time:value; "|" ends a micro-batch
/// → ["a@0 cnt=2 sum=3", "a@10 cnt=1 sum=5"]
/// ```
///
/// Output lines: `key@window_start[-window_end] [timing] cnt=N sum=S` (timing only when the
/// window emits it; other aggregates as `name=value`). Late records come back as the rejected
/// record's `key@time`.
struct WindowScript {
    static let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64)])

    var spec: WindowSpec
    var clock: (() -> Int64)?
    /// Small limits exercise decoder-dictionary resets and key-space compaction.
    var maxDecoderKeys: Int?
    var compactionThreshold: Int?

    init(_ kind: WindowKind, _ aggregates: [Aggregate] = [Count(), Sum("x", as: "sum")], configure: (inout WindowSpec) -> Void = { _ in }) {
        spec = WindowSpec(kind: kind, by: ["k"], time: "t", aggregates: aggregates)
        configure(&spec)
    }

    struct Result {
        /// Output lines per micro-batch (the last entry is what end of input flushed).
        var batches: [[String]]
        var rows: [String] { batches.flatMap { $0 } }
        var late: [String]
        var lateDetails: [String]
        /// Key-space compactions the window made.
        var compactions = 0
    }

    /// Records of a script, in arrival order, with the batch each belongs to.
    static func parse(_ script: String) -> [[(key: String, time: Int64, value: Double)]] {
        script.split(separator: "|").map { segment in
            segment.split(separator: " ").map { token in
                let at = token.split(separator: "@")
                let tv = at[1].split(separator: ":")
                return (String(at[0]), Int64(tv[0])!, tv.count > 1 ? Double(tv[1])! : 1)
            }
        }
    }

    func run(_ script: String) throws -> Result {
        try run(batches: Self.parse(script))
    }

    func run(batches: [[(key: String, time: Int64, value: Double)]]) throws -> Result {
        let captured = CapturedDeadLetters()
        let pipeline = PipelineSpec(name: "script", schema: Self.schema, steps: [.window(spec)])
        let capacity = max(1, batches.map(\.count).max() ?? 1)
        let plan = try PlanCompiler.compile(pipeline, deadLetters: captured.letters, batchSize: capacity)
        let window = plan.stages[0].terminal!
        if let maxDecoderKeys { for d in plan.dictionaries.values { d.maxKeys = maxDecoderKeys } }
        if let compactionThreshold { (window as? any WindowOperator)?.input.compactionThreshold = compactionThreshold }
        if let clock { (window as? any WindowOperator)?.input.processingClock = clock }
        var result = Result(batches: [], late: [], lateDetails: [])
        var record: Int64 = 0
        for records in batches + [[]] {
            var lines: [String] = []
            let collect: (Batch) throws -> Void = { lines += Self.lines($0) }
            if records.isEmpty && result.batches.count == batches.count {
                try window.finish(captured.letters, emit: collect)
            } else {
                plan.replaceFullDictionaries()
                let batch = plan.makeInputBatch()
                for (key, time, value) in records {
                    record += 1
                    let r = batch.count
                    _ = Value.string(key).store(into: batch.columns[0], row: r, arena: batch.arena)
                    _ = Value.int(time).store(into: batch.columns[1], row: r, arena: batch.arena)
                    _ = Value.double(value).store(into: batch.columns[2], row: r, arena: batch.arena)
                    batch.recordNumbers[r] = record
                    batch.count += 1
                }
                batch.selectAll()
                try window.process(batch, captured.letters, emit: collect)
            }
            result.batches.append(lines)
        }
        result.compactions = (window as? any WindowOperator)?.input.compactions ?? 0
        for line in captured.lines where line.contains("late_event") {
            let value = line.split(separator: "\"value\":\"")[1].prefix { $0 != "\"" }
            let recordNumber = Int(line.split(separator: "\"record\":")[1].prefix { $0.isNumber })!
            let key = batches.flatMap { $0 }[recordNumber - 1].key
            result.late.append("\(key)@\(value)")
            result.lateDetails.append(String(line.split(separator: "\"detail\":\"")[1].prefix { $0 != "\"" }))
        }
        return result
    }

    static func lines(_ batch: Batch) -> [String] {
        batch.selectedRows.map { r in
            var parts: [String] = []
            var head = "\(batch.arena.string(batch.column("k")!.strings[r]))@\(batch.column("window_start")!.int64[r])"
            if let end = batch.column("window_end") { head += "-\(end.int64[r])" }
            parts.append(head)
            if let timing = batch.column("timing") { parts.append(batch.arena.string(timing.strings[r])) }
            for (slot, field) in batch.schema.fields.enumerated() where !["k", "window_start", "window_end", "timing"].contains(field.name) {
                let c = batch.columns[slot]
                guard c.isValid(r) else { parts.append("\(field.name)=null"); continue }
                switch field.type {
                case .int64: parts.append("\(field.name)=\(c.int64[r])")
                case .float64:
                    let v = c.float64[r]
                    parts.append("\(field.name)=\(v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))")
                default: parts.append("\(field.name)=?")
                }
            }
            return parts.joined(separator: " ")
        }
    }
}
