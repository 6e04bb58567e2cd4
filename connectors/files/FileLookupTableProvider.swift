import Sluice
import Synchronization

/// Opens the lookup tables of `enrich` steps from files: the
/// ``PlanResources/lookupTable`` of `sluice run`.
///
/// A table's path is taken as is when absolute, else relative to
/// `baseDirectory` (the spec file's directory, for `--spec`). The format comes
/// from the extension (`.csv`; `.ndjson`, `.jsonl`, `.json`). Each file is
/// indexed once per provider and the index shared by every table opened on it,
/// so a parallel run's workers, which each compile the plan, pay for one pass
/// over the file. Use one provider per run: a later change to the file is not
/// seen by an index already built (a table refuses to open on a changed file).
public final class FileLookupTableProvider: Sendable {
    public let baseDirectory: String?
    private let indexes = Mutex<[Request: FileLookupIndex]>([:])

    private struct Request: Hashable {
        var path: String
        var key: Field
        var fields: [Field]
        var preload: Bool
    }

    public init(baseDirectory: String? = nil) {
        self.baseDirectory = baseDirectory
    }

    /// Where a spec's table lives.
    public func path(of table: String) -> String {
        guard let base = baseDirectory, !base.isEmpty, !table.hasPrefix("/") else { return table }
        return base.hasSuffix("/") ? base + table : base + "/" + table
    }

    public func open(_ request: LookupTableRequest) throws -> any LookupTable {
        let spec = request.spec
        let path = path(of: spec.table)
        guard let format = RecordFormat.infer(fromPath: path) else {
            throw LookupTableError("cannot tell the format of lookup table '\(spec.table)': name it .csv, .ndjson, .jsonl or .json")
        }
        let key = Request(path: path, key: request.keyField, fields: spec.fields, preload: spec.preload)
        // Built under the lock: concurrent compiles of one plan wait for a single pass over the file.
        let index = try indexes.withLock { known in
            if let index = known[key] { return index }
            let index = try FileLookupIndex.build(path: path, format: format, key: request.keyField, fields: spec.fields, preload: spec.preload)
            known[key] = index
            return index
        }
        return try FileLookupTable(index: index)
    }
}

extension PlanResources {
    /// File lookup tables, relative paths resolved against `baseDirectory` (nil: the working directory).
    public static func files(relativeTo baseDirectory: String? = nil, clock: any CacheClock = MonotonicClock()) -> PlanResources {
        let provider = FileLookupTableProvider(baseDirectory: baseDirectory)
        return PlanResources(lookupTable: { try provider.open($0) }, clock: clock)
    }
}
