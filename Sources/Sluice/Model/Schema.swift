/// A named, typed field of a record.
public struct Field: Codable, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var type: DataType

    public init(_ name: String, _ type: DataType) {
        self.name = name
        self.type = type
    }

    public var description: String { "\(name): \(type)" }
}

/// The ordered fields a pipeline reads or a stage produces.
///
/// Field names are unique; lookups by name are done once, at plan compile
/// time, never per record.
public struct Schema: Codable, Sendable, Hashable, CustomStringConvertible {
    public private(set) var fields: [Field]

    /// Names should be unique (``PlanCompiler`` rejects a spec whose schema repeats one).
    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public init(@SchemaBuilder _ build: () -> [Field]) {
        self.init(build())
    }

    public var count: Int { fields.count }
    public var names: [String] { fields.map(\.name) }

    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    public subscript(name: String) -> Field? {
        index(of: name).map { fields[$0] }
    }

    /// Adds a field, replacing the type of an existing field with the same name.
    public mutating func append(_ field: Field) {
        if let i = index(of: field.name) {
            fields[i] = field
        } else {
            fields.append(field)
        }
    }

    public var description: String {
        "(" + fields.map(\.description).joined(separator: ", ") + ")"
    }

    // A schema is written in specs as a plain list of fields.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var fields: [Field] = []
        while !container.isAtEnd { fields.append(try container.decode(Field.self)) }
        self.init(fields)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for field in fields { try container.encode(field) }
    }
}

@resultBuilder
public enum SchemaBuilder {
    public static func buildExpression(_ field: Field) -> [Field] { [field] }
    public static func buildBlock(_ parts: [Field]...) -> [Field] { parts.flatMap { $0 } }
}
