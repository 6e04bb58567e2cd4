/// A table that an `enrich` step joins records with: given a key, the row of
/// values to add, or nil when the table has no such key.
///
/// Contract:
/// - A table is made for one ``EnrichSpec`` by ``PlanResources/lookupTable``,
///   once per compiled plan, and used by that plan's thread only (it may keep
///   file descriptors and scratch buffers without locks). A parallel run
///   compiles a plan per worker and so gets a table per worker; providers
///   share whatever is immutable (an index, preloaded rows) between them.
/// - ``lookup(_:)`` returns the values of `spec.fields`, in that order, each
///   `.null` or of a kind that fits its field's declared type (`.int` fits a
///   `float64` field). A key's bytes are valid only during the call.
/// - A table does not cache: the enrich operator's ``LRUCache`` does, so a
///   lookup may be expensive (a disk read, a request).
/// - `lookup` throws only for failures of the table itself (I/O, a file that
///   changed under it), which stop the run; a missing key is `nil`.
public protocol LookupTable: AnyObject {
    func lookup(_ key: LookupKey) throws -> [Value]?
    /// One line for `explain`: what the table is and what a lookup costs.
    var explanation: String { get }
    /// Lookups that reached the table's storage (disk reads for a file table); for the run summary.
    var storageReads: Int { get }
}

extension LookupTable {
    public var storageReads: Int { 0 }
}
