import ArgumentParser
import Sluice
import SluiceCommandCore
import SluiceWorkload

struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Write the canonical workload's events (CSV and NDJSON) and expected checksum.",
        discussion: "Byte-identical to shared/workload/gen_events.py for the same count and seed.")

    @Option(name: .shortAndLong, help: "Number of events.")
    var events: Int = 1_000_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .shortAndLong, help: "Output directory.")
    var out: String = "data"

    @Option(help: "Comma-separated formats to write: csv,ndjson.")
    var formats: String = "csv,ndjson"

    func run() throws {
        guard events >= 0 else { throw ValidationError("--events must not be negative") }
        var set = Set<WorkloadFormat>()
        for f in formats.split(separator: ",") {
            guard let format = WorkloadFormat(rawValue: String(f)) else { throw ValidationError("unknown format '\(f)'; use csv and/or ndjson") }
            set.insert(format)
        }
        let start = monotonicSeconds()
        let expectation = try WorkloadGenerator(events: events, seed: seed).write(to: out, formats: set)
        let seconds = monotonicSeconds() - start
        for f in set.sorted(by: { $0.rawValue < $1.rawValue }) {
            print(WorkloadFiles.eventsPath(for: f, in: out, events: events))
        }
        print(WorkloadFiles.expectationPath(in: out, events: events))
        printError("generated \(events) events (\(expectation.nDirty) dirty) in \(fixed(seconds, 1)) s; expected checksum \(expectation.rows)/\(expectation.totalCount)/\(fixed(expectation.sumFeat, 3))")
    }
}
