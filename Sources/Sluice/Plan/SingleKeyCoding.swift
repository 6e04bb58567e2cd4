/// A coding key with any name: specs write each step as a one-key object,
/// `{clean: [...]}`, `{derive: {...}}`, which Swift's synthesized enum
/// coding cannot express readably.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension Decoder {
    /// The single key of a one-key object, checked against `known`.
    func singleKey(known: [String], what: String) throws -> (KeyedDecodingContainer<AnyCodingKey>, String) {
        let c = try container(keyedBy: AnyCodingKey.self)
        let keys = c.allKeys.map(\.stringValue)
        guard keys.count == 1, let key = keys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "a \(what) is an object with exactly one key, one of: \(known.joined(separator: ", ")); found \(keys.isEmpty ? "none" : keys.joined(separator: ", "))"))
        }
        guard known.contains(key) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "unknown \(what) '\(key)'; expected one of: \(known.joined(separator: ", "))"))
        }
        return (c, key)
    }
}
