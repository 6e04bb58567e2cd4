/// What a plan needs from outside the core library to run: today, the lookup
/// tables of `enrich` steps and the clock of their caches' TTLs.
///
/// Why an injection point: reading a table from a CSV or NDJSON file needs the
/// decoders of the `SluiceFiles` connector, which the core must not depend on;
/// tests want in-memory tables and a manual clock. ``PlanCompiler`` calls
/// ``lookupTable`` once per `enrich` step each time it compiles a plan, so each
/// plan instance (each worker of a parallel run) gets tables of its own.
///
/// ```swift
/// let plan = try PlanCompiler.compile(spec, deadLetters: letters,
///                                     resources: .inMemory(["sensors.csv": ["s1": ["north"]]]))
/// ```
public struct PlanResources: Sendable {
    /// Opens the table of an `enrich` step. Throw a ``PlanError`` (or any error) when it cannot;
    /// the compiler reports it with the step.
    public var lookupTable: @Sendable (LookupTableRequest) throws -> any LookupTable
    /// The time source of cache TTLs.
    public var clock: any CacheClock

    /// The default provides no tables: a plan with an `enrich` step fails to compile with a clear message.
    public init(lookupTable: @escaping @Sendable (LookupTableRequest) throws -> any LookupTable = PlanResources.noLookupTables,
                clock: any CacheClock = MonotonicClock()) {
        self.lookupTable = lookupTable
        self.clock = clock
    }

    /// The default table provider: always throws.
    public static let noLookupTables: @Sendable (LookupTableRequest) throws -> any LookupTable = { request in
        let spec = request.spec
        throw PlanError("no lookup table provider: the enrich step on '\(spec.key)' needs table '\(spec.table)', but the plan was compiled without PlanResources(lookupTable:) (sluice run provides file tables; in code, pass e.g. PlanResources.inMemory(...) to PlanCompiler.compile)")
    }

    /// Tables held in memory, by the name `enrich` steps give in `table`; each row holds the values of the step's fields in order.
    public static func inMemory(_ tables: [String: [Value: [Value]]], clock: any CacheClock = MonotonicClock()) -> PlanResources {
        PlanResources(lookupTable: { request in
            let spec = request.spec
            guard let rows = tables[spec.table] else {
                throw PlanError("no lookup table named '\(spec.table)'; known: \(tables.keys.sorted().joined(separator: ", "))")
            }
            return InMemoryLookupTable(rows, name: spec.table)
        }, clock: clock)
    }
}
