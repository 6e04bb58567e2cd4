/// A lookup table failed while the pipeline ran (I/O, a file changed under
/// its index, a row that does not fit the declared fields). Stops the run: a
/// table that cannot be trusted would enrich records wrongly.
public struct LookupTableError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
