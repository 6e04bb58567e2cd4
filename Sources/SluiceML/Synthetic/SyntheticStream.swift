/// An endless, deterministic stream of labelled rows with known concept
/// drift, for tests and benchmarks of online models and drift detectors.
///
/// Contract: a stream is a value; two streams created with the same
/// parameters and seed produce the same rows, and a copy continues
/// independently from where it was copied. It is an infinite `Sequence`
/// (iterate with `prefix(_:)`), so `next()` never returns `nil`.
public protocol SyntheticStream: Sequence, IteratorProtocol, Sendable where Element == LabeledSample {
    /// The names of the features, in row order; the CSV header is these plus `label`.
    var featureNames: [String] { get }
    /// The number of rows produced so far (the 0-based index of the next row).
    var position: Int { get }
    /// Produces the next row.
    mutating func nextSample() -> LabeledSample
}

extension SyntheticStream {
    /// The next row; never `nil` (the stream is endless).
    public mutating func next() -> LabeledSample? { nextSample() }

    /// The next `count` rows.
    public mutating func samples(_ count: Int) -> [LabeledSample] {
        (0..<Swift.max(0, count)).map { _ in nextSample() }
    }

    /// The CSV header line (without newline): the feature names, then `label`.
    public var csvHeader: String { (featureNames + ["label"]).joined(separator: ",") }

    /// Appends the next `rows` rows to `text` as CSV lines (no header), each
    /// ending in `\n`. Numbers are written in Swift's shortest round-trip form,
    /// so parsing the CSV gives back exactly the generated doubles.
    public mutating func appendCSV(rows: Int, to text: inout String) {
        for _ in 0..<Swift.max(0, rows) {
            let sample = nextSample()
            for value in sample.features {
                text += value.description
                text += ","
            }
            text += String(sample.label)
            text += "\n"
        }
    }

    /// The next `rows` rows as a CSV document, with the header line first unless `header` is false.
    public mutating func csv(rows: Int, header: Bool = true) -> String {
        var text = header ? csvHeader + "\n" : ""
        appendCSV(rows: rows, to: &text)
        return text
    }
}
