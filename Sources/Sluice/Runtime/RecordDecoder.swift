/// Decodes one text format (CSV, NDJSON) from a byte buffer straight into the
/// columns of a batch.
///
/// Contract:
/// - `open(schema:)` is called once before decoding; it fixes the fields to
///   produce. Input fields not in the schema are ignored; schema fields
///   missing from a record are null.
/// - `decode` consumes whole records only. It stops when the batch is full or
///   when the rest of the buffer holds no complete record (returning the bytes
///   consumed); with `atEnd` the final record may lack its newline.
/// - Every record that cannot be decoded is rejected through `deadLetters`
///   (reasons `malformed_record`, `invalid_value`, `record_too_long`) with its
///   bytes and position, never dropped silently and never fatal.
/// - Each decoded row gets its provenance: `recordNumbers` (1-based line),
///   `recordOffsets` (byte offset in the source), `recordStarts`/`recordLengths`
///   relative to `batch.recordBytes`, which the caller sets to `bytes`' base.
/// - String key columns (those with a `dictionary`) get their `keyIDs` set.
public protocol RecordDecoder: AnyObject {
    func open(schema: Schema) throws
    func decode(_ bytes: UnsafePointer<UInt8>, count: Int, atEnd: Bool, into batch: Batch, deadLetters: DeadLetters) throws -> Int
    /// Records seen so far, decoded or rejected (a CSV header and blank lines are not records).
    var recordsRead: Int64 { get }
    /// Bytes consumed so far: the source offset of the next record.
    var bytesConsumed: Int64 { get }
    /// Records longer than this are rejected as `record_too_long`.
    var maxRecordBytes: Int { get set }
    /// The source name for dead letters.
    var sourceName: String { get set }
    /// Continues at another place in the source: the next record starts at 1-based `line`, byte `offset`.
    /// Parallel decoding gives each decoder blocks of whole records from anywhere in the input.
    func reposition(line: Int64, offset: Int64)
}

/// An error in the input as a whole (not one record): e.g. a CSV header without a required field.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
