/// A pipeline that cannot run as written: unknown field, type mismatch,
/// invalid parameter. Raised when the plan is compiled, before any data is read.
public struct PlanError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func unknownField(_ name: String, in schema: Schema, context: String) -> PlanError {
        let near = schema.names.filter { editDistance($0, name) <= 2 }
        let hint = near.isEmpty ? "" : " (did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?)"
        return PlanError("unknown field '\(name)' in \(context)\(hint); fields here: \(schema.names.joined(separator: ", "))")
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
