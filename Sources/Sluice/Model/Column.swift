/// One column of a micro-batch: a contiguous value buffer plus a validity byte
/// per row.
///
/// Storage is raw memory owned by the column (freed in `deinit`): safe array
/// subscripts cost 20–45 % in the kernels because bounds and copy-on-write
/// checks are not hoisted out of loops (see the README's performance notes).
/// Values of rows that are not selected, or are null, are unspecified.
///
/// String columns hold ``StringSlot``s into the batch's ``ByteArena``. A
/// string column used as a grouping key is also *dictionary-encoded*: the
/// decoder interns each value once into a ``KeyDictionary`` and stores the
/// integer id in `keyIDs`, so stateful operators never hash strings.
public final class Column: @unchecked Sendable {
    // Safe: a column belongs to one batch, which one stage owns at a time.
    public let field: Field
    public let capacity: Int
    public let values: UnsafeMutableRawPointer
    /// 1 = valid, 0 = null.
    public let validity: UnsafeMutablePointer<UInt8>
    /// Dictionary ids, for string key columns only.
    public let keyIDs: UnsafeMutablePointer<Int32>?
    /// The dictionary `keyIDs` refer to. In a parallel run each worker decodes with its own, so it is set per fill.
    public internal(set) var dictionary: KeyDictionary?

    public init(_ field: Field, capacity: Int, dictionary: KeyDictionary? = nil) {
        self.field = field
        self.capacity = capacity
        self.values = .allocate(byteCount: max(1, capacity * field.type.stride), alignment: 8)
        self.validity = .allocate(capacity: max(1, capacity))
        self.validity.initialize(repeating: 1, count: max(1, capacity))
        self.dictionary = dictionary
        self.keyIDs = dictionary == nil ? nil : .allocate(capacity: max(1, capacity))
    }

    deinit {
        values.deallocate()
        validity.deallocate()
        keyIDs?.deallocate()
    }

    @inlinable public var name: String { field.name }
    @inlinable public var type: DataType { field.type }

    @inlinable public var float64: UnsafeMutablePointer<Double> { values.assumingMemoryBound(to: Double.self) }
    @inlinable public var int64: UnsafeMutablePointer<Int64> { values.assumingMemoryBound(to: Int64.self) }
    @inlinable public var bools: UnsafeMutablePointer<UInt8> { values.assumingMemoryBound(to: UInt8.self) }
    @inlinable public var strings: UnsafeMutablePointer<StringSlot> { values.assumingMemoryBound(to: StringSlot.self) }

    @inlinable public func isValid(_ row: Int) -> Bool { validity[row] != 0 }
}
