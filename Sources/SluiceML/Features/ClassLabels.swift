import Sluice

/// The ordered set of class labels of a classification task: position `i` is
/// class index `i`, the index models learn and predict.
///
/// **Why a fixed set.** A model's output layer has one entry per class, so
/// the classes are declared up front (and saved with the model). A label
/// outside the set is not silently given a new index: ``FeatureExtractor``
/// skips the row and counts it (``ExtractionCounts/unknownClassRows``).
///
/// Lookups are allocation-free: a linear scan for the usual handful of
/// classes (comparing UTF-8 bytes for strings), a dictionary beyond that.
public struct ClassLabels: Hashable, Sendable, Codable, CustomStringConvertible {
    public let labels: [ClassLabel]
    private let utf8: [[UInt8]]
    private let dictionary: [ClassLabel: Int32]

    /// Linear scans beat hashing up to about this many classes.
    private static let scanLimit = 8

    /// `labels` must be distinct and non-empty.
    public init(_ labels: [ClassLabel]) {
        precondition(!labels.isEmpty, "ClassLabels needs at least one label")
        var dictionary: [ClassLabel: Int32] = [:]
        for (i, label) in labels.enumerated() {
            precondition(dictionary[label] == nil, "duplicate class label \(label)")
            dictionary[label] = Int32(i)
        }
        self.labels = labels
        self.dictionary = dictionary
        self.utf8 = labels.map { if case .string(let s) = $0 { return Array(s.utf8) } else { return [] } }
    }

    /// Integer labels `0..<count`.
    public init(count: Int) {
        self.init((0..<count).map { .int(Int64($0)) })
    }

    public var count: Int { labels.count }
    public subscript(index: Int) -> ClassLabel { labels[index] }
    public var description: String { "[" + labels.map(\.description).joined(separator: ", ") + "]" }

    public func index(of label: ClassLabel) -> Int? { dictionary[label].map(Int.init) }

    /// The index of an `int64` label, or -1.
    public func index(ofInt value: Int64) -> Int32 {
        if labels.count <= Self.scanLimit {
            for (i, label) in labels.enumerated() {
                if case .int(let v) = label, v == value { return Int32(i) }
            }
            return -1
        }
        return dictionary[.int(value)] ?? -1
    }

    /// The index of a `bool` label, or -1.
    public func index(ofBool value: Bool) -> Int32 { dictionary[.bool(value)] ?? -1 }

    /// The index of a `string` label given as UTF-8 bytes, or -1.
    public func index(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        if labels.count <= Self.scanLimit {
            for (i, candidate) in utf8.enumerated() where candidate.count == bytes.count {
                if case .string = labels[i], candidate.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) { return Int32(i) }
            }
            return -1
        }
        return dictionary[.string(String(decoding: bytes, as: UTF8.self))] ?? -1
    }

    /// Whether a label column of `type` can hold these labels.
    func accepts(_ type: DataType) -> Bool {
        labels.contains { label in
            switch (label, type) {
            case (.int, .int64), (.string, .string), (.bool, .bool): return true
            default: return false
            }
        }
    }

    public static func == (a: ClassLabels, b: ClassLabels) -> Bool { a.labels == b.labels }
    public func hash(into hasher: inout Hasher) { hasher.combine(labels) }

    public init(from decoder: any Decoder) throws {
        let labels = try [ClassLabel](from: decoder)
        guard !labels.isEmpty, Set(labels).count == labels.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "class labels must be distinct and non-empty"))
        }
        self.init(labels)
    }

    public func encode(to encoder: any Encoder) throws { try labels.encode(to: encoder) }
}
