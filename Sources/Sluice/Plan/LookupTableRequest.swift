/// What ``PlanResources/lookupTable`` is asked for: an `enrich` step's table,
/// and what the compiler learned about the step's key.
///
/// A struct rather than the bare ``EnrichSpec`` so providers get the key's
/// type (a file table must decode its key column as `int64` or `string` to
/// compare keys exactly) and so later additions do not break providers.
public struct LookupTableRequest: Sendable, Hashable {
    public var spec: EnrichSpec
    /// The type of the stream's key field (and so of the table's key column): `string` or `int64`.
    public var keyType: DataType

    public init(spec: EnrichSpec, keyType: DataType) {
        self.spec = spec
        self.keyType = keyType
    }

    /// The table's key column with its type.
    public var keyField: Field { Field(spec.resolvedTableKey, keyType) }
}
