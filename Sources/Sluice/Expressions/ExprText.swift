/// The text form of expressions: what `explain` prints and what pipeline
/// specs contain, e.g. `(temp - 20.0) / 10.0` or `status == "err" || is_null(temp)`.
///
/// `Expr(parsing: e.description) == e` for every expression.
extension Expr: CustomStringConvertible, Codable {
    public var description: String { render(parentPrecedence: 0) }

    private func render(parentPrecedence: Int) -> String {
        switch self {
        case .column(let name):
            return isPlainIdentifier(name) ? name : "`\(name)`"
        case .literal(let literal):
            return literal.description
        case .unary(let op, let e):
            return op.rawValue + e.render(parentPrecedence: 6)
        case .binary(let op, let l, let r):
            // Left-associative: the right operand needs parentheses at equal precedence.
            let text = l.render(parentPrecedence: op.precedence) + " \(op.rawValue) "
                + r.render(parentPrecedence: op.precedence + 1)
            return op.precedence < parentPrecedence ? "(\(text))" : text
        case .call(let f, let args):
            return f.rawValue + "(" + args.map { $0.render(parentPrecedence: 0) }.joined(separator: ", ") + ")"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            do {
                self = try Expr(parsing: text)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
        } else if let int = try? container.decode(Int64.self) {
            self = .literal(.int(int))
        } else if let double = try? container.decode(Double.self) {
            self = .literal(.double(double))
        } else {
            self = .literal(.bool(try container.decode(Bool.self)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses expression text. Identifiers are field names (back-quote names
    /// with other characters: `` `temp (C)` ``); strings use double or single quotes.
    public init(parsing text: String) throws(ExprParseError) {
        var parser = ExprParser(Array(text.utf8))
        self = try parser.parseExpression()
    }
}

extension Literal: CustomStringConvertible {
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v):
            let s = String(v)
            return s.contains(".") || s.contains("e") || s.contains("n") ? s : s + ".0"
        case .string(let s):
            var out = "\""
            for c in s {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.append(c)
                }
            }
            return out + "\""
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }
}

private func isPlainIdentifier(_ name: String) -> Bool {
    guard let first = name.utf8.first, isIdentifierStart(first) else { return false }
    if ["true", "false", "null"].contains(name) || Function(rawValue: name) != nil { return false }
    return name.utf8.allSatisfy { isIdentifierStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }
}

private func isIdentifierStart(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
}

/// Why expression text did not parse, with the 1-based column.
public struct ExprParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var column: Int
    public var text: String
    public var description: String { "\(message) at column \(column) in expression: \(text)" }
}

/// A precedence-climbing parser over UTF-8 bytes.
struct ExprParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseExpression() throws(ExprParseError) -> Expr {
        let e = try parseBinary(minPrecedence: 1)
        skipSpace()
        if position < bytes.count { throw error("unexpected '\(String(decoding: bytes[position...], as: UTF8.self))'") }
        return e
    }

    private func error(_ message: String) -> ExprParseError {
        ExprParseError(message: message, column: position + 1, text: String(decoding: bytes, as: UTF8.self))
    }

    private mutating func skipSpace() {
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") || bytes[position] == UInt8(ascii: "\n") {
            position += 1
        }
    }

    private mutating func peekOperator() -> BinaryOperator? {
        skipSpace()
        guard position < bytes.count else { return nil }
        let two = position + 1 < bytes.count ? String(decoding: bytes[position...position + 1], as: UTF8.self) : ""
        if two == "<>" { return .notEqual }  // SQL spelling
        for op in BinaryOperator.allCases where op.rawValue.utf8.count == 2 && op.rawValue == two { return op }
        let one = String(UnicodeScalar(bytes[position]))
        if one == "=" { return .equal }  // SQL spelling
        for op in BinaryOperator.allCases where op.rawValue.utf8.count == 1 && op.rawValue == one { return op }
        return nil
    }

    private mutating func consumeOperator(_ op: BinaryOperator) {
        skipSpace()
        let two = position + 1 < bytes.count ? String(decoding: bytes[position...position + 1], as: UTF8.self) : ""
        if two == op.rawValue || (op == .notEqual && two == "<>") || (op == .equal && two == "==") { position += 2 } else { position += 1 }
    }

    private mutating func parseBinary(minPrecedence: Int) throws(ExprParseError) -> Expr {
        var lhs = try parseUnary()
        while let op = peekOperator(), op.precedence >= minPrecedence {
            consumeOperator(op)
            let rhs = try parseBinary(minPrecedence: op.precedence + 1)
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private mutating func parseUnary() throws(ExprParseError) -> Expr {
        skipSpace()
        guard position < bytes.count else { throw error("expected a value") }
        let c = bytes[position]
        if c == UInt8(ascii: "-") {
            position += 1
            let operand = try parseUnary()
            if case .literal(.int(let v)) = operand { return .literal(.int(-v)) }
            if case .literal(.double(let v)) = operand { return .literal(.double(-v)) }
            return .unary(.negate, operand)
        }
        if c == UInt8(ascii: "!"), position + 1 >= bytes.count || bytes[position + 1] != UInt8(ascii: "=") {
            position += 1
            return .unary(.not, try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExprParseError) -> Expr {
        skipSpace()
        guard position < bytes.count else { throw error("expected a value") }
        let c = bytes[position]
        if c == UInt8(ascii: "(") {
            position += 1
            let e = try parseBinary(minPrecedence: 1)
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ")") else { throw error("expected ')'") }
            position += 1
            return e
        }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { return .literal(.string(try parseString(quote: c))) }
        if c == UInt8(ascii: "`") {
            position += 1
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "`") { position += 1 }
            guard position < bytes.count else { throw error("unterminated `name`") }
            defer { position += 1 }
            return .column(String(decoding: bytes[start..<position], as: UTF8.self))
        }
        if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") { return try parseNumber() }
        if isIdentifierStart(c) {
            let start = position
            while position < bytes.count, isIdentifierStart(bytes[position]) || (bytes[position] >= UInt8(ascii: "0") && bytes[position] <= UInt8(ascii: "9")) || bytes[position] == UInt8(ascii: ".") {
                position += 1
            }
            let name = String(decoding: bytes[start..<position], as: UTF8.self)
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: break
            }
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "(") {
                guard let function = Function(rawValue: name) else {
                    position = start
                    throw error("unknown function '\(name)' (known: \(Function.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                position += 1
                var args: [Expr] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: ")") {
                    position += 1
                } else {
                    while true {
                        args.append(try parseBinary(minPrecedence: 1))
                        skipSpace()
                        guard position < bytes.count else { throw error("expected ')'") }
                        if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                        if bytes[position] == UInt8(ascii: ")") { position += 1; break }
                        throw error("expected ',' or ')'")
                    }
                }
                guard args.count == function.arity else {
                    throw error("\(name) takes \(function.arity) argument\(function.arity == 1 ? "" : "s"), got \(args.count)")
                }
                return .call(function, args)
            }
            return .column(name)
        }
        throw error("unexpected '\(String(UnicodeScalar(c)))'")
    }

    private mutating func parseString(quote: UInt8) throws(ExprParseError) -> String {
        position += 1
        var out: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            if c == quote { position += 1; return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\"), position + 1 < bytes.count {
                position += 1
                let e = bytes[position]
                out.append(e == UInt8(ascii: "n") ? 10 : e == UInt8(ascii: "t") ? 9 : e)
            } else {
                out.append(c)
            }
            position += 1
        }
        throw error("unterminated string")
    }

    private mutating func parseNumber() throws(ExprParseError) -> Expr {
        let start = position
        var isDouble = false
        while position < bytes.count {
            let c = bytes[position]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                position += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                isDouble = true
                position += 1
                if c != UInt8(ascii: "."), position < bytes.count, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
                    position += 1
                }
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if !isDouble, let v = Int64(text) { return .literal(.int(v)) }
        if let v = Double(text) { return .literal(.double(v)) }
        position = start
        throw error("bad number '\(text)'")
    }
}
