import Sluice

/// Turns the selected rows of a columnar ``Batch`` into a dense, row-major
/// matrix of `Double` features plus one label per row: the input models learn from.
///
/// **Why.** Models want contiguous rows of `Double`; batches hold one typed
/// buffer per column, a validity byte per row and a selection vector. The
/// extractor does that conversion once per batch, column by column, into
/// buffers it owns and reuses, so the steady state allocates nothing per row
/// or per batch (buffers grow only when a batch has more selected rows than
/// any before).
///
/// **Contract.**
/// - Features are named columns, read in the order given: `float64` as is,
///   `int64` converted, `bool` as 0/1. Any other type is a ``FeatureError``
///   when the extractor first sees the schema (columns are looked up once per
///   schema, never per row).
/// - Output row `i` is `features[i * featureCount ..< (i + 1) * featureCount]`,
///   from batch row `sourceRows[i]`; rows keep their selection order.
/// - Nulls in features follow ``nullPolicy``; a null label always skips the
///   row; a class label outside the declared ``ClassLabels`` skips the row.
///   A row is counted under the first reason found (features, then label) in
///   ``counts``.
/// - Labels: ``targets`` for ``FeatureTarget/regression(column:)``,
///   ``classIndices`` for ``FeatureTarget/classification(column:classes:)``.
/// - The buffers are views of storage the extractor owns: valid until the
///   next ``extract(_:)`` or until the extractor goes away. Copy what must
///   outlive that.
///
/// Not thread-safe (like a ``Batch``, it belongs to one stage at a time).
public final class FeatureExtractor {
    public let featureNames: [String]
    public let target: FeatureTarget
    public let nullPolicy: NullPolicy
    public var featureCount: Int { featureNames.count }

    /// The extracted rows, row-major: `rowCount * featureCount` values.
    public private(set) var features: UnsafeMutableBufferPointer<Double>
    /// Regression targets, one per extracted row (empty otherwise).
    public private(set) var targets: UnsafeMutableBufferPointer<Double>
    /// Class indices into the declared ``ClassLabels``, one per extracted row (empty otherwise).
    public private(set) var classIndices: UnsafeMutableBufferPointer<Int32>
    /// The batch row each extracted row came from, to join predictions back.
    public private(set) var sourceRows: UnsafeMutableBufferPointer<Int32>
    /// Rows extracted by the last ``extract(_:)``.
    public private(set) var rowCount = 0
    /// Totals over every batch so far.
    public private(set) var counts = ExtractionCounts()

    private var capacity = 0
    private var featureStorage: UnsafeMutablePointer<Double>
    private var targetStorage: UnsafeMutablePointer<Double>
    private var classStorage: UnsafeMutablePointer<Int32>
    private var rowStorage: UnsafeMutablePointer<Int32>
    /// Per-batch column pointers (validity of each feature), filled once per batch.
    private let validity: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>

    private var boundSchema: Schema?
    private var featureSlots: [Int] = []
    private var labelSlot = -1

    /// - Parameters:
    ///   - features: feature column names, in model input order.
    ///   - target: the label to read, if any.
    ///   - nullPolicy: what a null feature does to its row (default: skip it).
    ///   - capacity: initial rows; grows to the largest selection seen.
    public init(features: [String], target: FeatureTarget = .none, nullPolicy: NullPolicy = .skipRow, capacity: Int = 4096) {
        precondition(!features.isEmpty, "FeatureExtractor needs at least one feature")
        self.featureNames = features
        self.target = target
        self.nullPolicy = nullPolicy
        self.validity = .allocate(capacity: features.count)
        self.validity.initialize(repeating: nil, count: features.count)
        let rows = max(1, capacity)
        featureStorage = .allocate(capacity: rows * features.count)
        targetStorage = .allocate(capacity: rows)
        classStorage = .allocate(capacity: rows)
        rowStorage = .allocate(capacity: rows)
        self.capacity = rows
        self.features = UnsafeMutableBufferPointer(start: featureStorage, count: 0)
        self.targets = UnsafeMutableBufferPointer(start: targetStorage, count: 0)
        self.classIndices = UnsafeMutableBufferPointer(start: classStorage, count: 0)
        self.sourceRows = UnsafeMutableBufferPointer(start: rowStorage, count: 0)
    }

    deinit {
        featureStorage.deallocate()
        targetStorage.deallocate()
        classStorage.deallocate()
        rowStorage.deallocate()
        validity.deallocate()
    }

    /// Extracts the selected rows of `batch`; returns how many were kept (``rowCount``).
    @discardableResult
    public func extract(_ batch: Batch) throws(FeatureError) -> Int {
        if boundSchema != batch.schema { try bind(batch.schema) }
        let n = batch.selectedCount
        if n > capacity { grow(to: n) }
        counts.rowsSeen += n
        let d = featureCount
        let columns = batch.columns
        for j in 0..<d { validity[j] = columns[featureSlots[j]].validity }
        let selection = batch.selection
        let skipNullFeatures = nullPolicy == .skipRow

        // Pass 1: which rows survive, and their labels.
        var kept = 0
        let label = labelSlot >= 0 ? columns[labelSlot] : nil
        for s in 0..<n {
            let r = Int(selection[s])
            if skipNullFeatures {
                var valid = true
                for j in 0..<d where validity[j]![r] == 0 { valid = false; break }
                if !valid { counts.nullFeatureRows += 1; continue }
            }
            if let label {
                guard label.validity[r] != 0 else { counts.nullLabelRows += 1; continue }
                switch target {
                case .none: break
                case .regression:
                    switch label.type {
                    case .float64: targetStorage[kept] = label.float64[r]
                    case .int64: targetStorage[kept] = Double(label.int64[r])
                    case .bool: targetStorage[kept] = label.bools[r] != 0 ? 1 : 0
                    case .string: preconditionFailure("rejected by bind")
                    }
                case .classification(_, let classes):
                    let index: Int32
                    switch label.type {
                    case .int64: index = classes.index(ofInt: label.int64[r])
                    case .bool: index = classes.index(ofBool: label.bools[r] != 0)
                    case .string: index = classes.index(ofUTF8: batch.arena.bytes(label.strings[r]))
                    case .float64: preconditionFailure("rejected by bind")
                    }
                    guard index >= 0 else { counts.unknownClassRows += 1; continue }
                    classStorage[kept] = index
                }
            }
            rowStorage[kept] = Int32(truncatingIfNeeded: r)
            kept += 1
        }

        // Pass 2: gather each feature column into its place in the rows.
        for j in 0..<d {
            let column = columns[featureSlots[j]]
            let valid = column.validity
            let out = featureStorage + j
            let impute = !skipNullFeatures
            switch column.type {
            case .float64:
                let v = column.float64
                if impute {
                    for i in 0..<kept { let r = Int(rowStorage[i]); out[i &* d] = valid[r] != 0 ? v[r] : 0 }
                } else {
                    for i in 0..<kept { out[i &* d] = v[Int(rowStorage[i])] }
                }
            case .int64:
                let v = column.int64
                for i in 0..<kept { let r = Int(rowStorage[i]); out[i &* d] = valid[r] != 0 ? Double(v[r]) : 0 }
            case .bool:
                let v = column.bools
                for i in 0..<kept { let r = Int(rowStorage[i]); out[i &* d] = valid[r] != 0 && v[r] != 0 ? 1 : 0 }
            case .string:
                preconditionFailure("rejected by bind")
            }
        }

        rowCount = kept
        counts.rowsExtracted += kept
        features = UnsafeMutableBufferPointer(start: featureStorage, count: kept * d)
        switch target {
        case .none:
            targets = UnsafeMutableBufferPointer(start: targetStorage, count: 0)
            classIndices = UnsafeMutableBufferPointer(start: classStorage, count: 0)
        case .regression:
            targets = UnsafeMutableBufferPointer(start: targetStorage, count: kept)
            classIndices = UnsafeMutableBufferPointer(start: classStorage, count: 0)
        case .classification:
            targets = UnsafeMutableBufferPointer(start: targetStorage, count: 0)
            classIndices = UnsafeMutableBufferPointer(start: classStorage, count: kept)
        }
        sourceRows = UnsafeMutableBufferPointer(start: rowStorage, count: kept)
        return kept
    }

    /// Zeroes ``counts``.
    public func resetCounts() { counts = ExtractionCounts() }

    /// Checks `schema` and looks the columns up once.
    private func bind(_ schema: Schema) throws(FeatureError) {
        var slots: [Int] = []
        for name in featureNames {
            guard let slot = schema.index(of: name) else { throw .missingColumn(name) }
            let type = schema.fields[slot].type
            guard type != .string else { throw .unsupportedFeatureType(column: name, type: type) }
            slots.append(slot)
        }
        var labelSlot = -1
        if let name = target.column {
            guard let slot = schema.index(of: name) else { throw .missingColumn(name) }
            let type = schema.fields[slot].type
            switch target {
            case .none: break
            case .regression:
                guard type != .string else { throw .unsupportedLabelType(column: name, type: type, expected: "float64, int64 or bool") }
            case .classification(_, let classes):
                guard type != .float64, classes.accepts(type) else {
                    throw .unsupportedLabelType(column: name, type: type, expected: "a column holding the declared classes \(classes)")
                }
            }
            labelSlot = slot
        }
        featureSlots = slots
        self.labelSlot = labelSlot
        boundSchema = schema
    }

    private func grow(to rows: Int) {
        let d = featureCount
        featureStorage.deallocate()
        targetStorage.deallocate()
        classStorage.deallocate()
        rowStorage.deallocate()
        featureStorage = .allocate(capacity: rows * d)
        targetStorage = .allocate(capacity: rows)
        classStorage = .allocate(capacity: rows)
        rowStorage = .allocate(capacity: rows)
        capacity = rows
    }
}
