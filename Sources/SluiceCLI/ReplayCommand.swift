import ArgumentParser
import Sluice
import SluiceCommandCore
import SluiceFiles

/// `sluice replay DIR`: writes out the records a `retain` step kept, oldest
/// first, so a retraining job (or a person) can read them as CSV or NDJSON.
/// The directory is opened read-only: a pipeline may still be writing it.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Write the records a retain step kept in a replay directory, oldest first.",
        discussion: """
        Reads the segment files of DIR (and nothing else: records still in a running pipeline's \
        memory are not on disk yet). Corrupt segments are skipped and listed on stderr with the \
        counts; --strict makes them an error. CSV needs one set of fields across the segments; \
        NDJSON takes each record's own.
        """)

    @Argument(help: "The replay directory (the retain step's `directory`).")
    var directory: String

    @Option(name: .shortAndLong, help: "Output file, or - for stdout.")
    var output: String = "-"

    @Option(help: "Output format: csv or ndjson (default: from the output's extension, else csv).")
    var format: String?

    @Flag(help: "Exit with an error if any segment is corrupt.")
    var strict = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if let format, RecordFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or ndjson, not '\(format)'") }
    }

    func run() throws {
        let outFormat = format.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: output) ?? .csv
        let buffer: ReplayBuffer
        do { buffer = try ReplayBuffer(readingFrom: directory) } catch { throw RuntimeError(error.description) }
        let encoder = outFormat.makeEncoder(sink: try FileByteSink(path: output))
        var schema: Schema?
        let report = try buffer.replay { batch in
            if batch.schema != schema {
                if schema != nil && outFormat == .csv {
                    throw RuntimeError("the segments of \(directory) hold different fields (\(schema!.names.joined(separator: ", ")) then \(batch.schema.names.joined(separator: ", "))); use --format ndjson")
                }
                schema = batch.schema
                try encoder.open(schema: batch.schema)
            }
            try encoder.write(batch, slots: Array(batch.columns.indices))
        }
        try encoder.close()
        if !quiet {
            var text = "replayed \(report.records) records from \(report.segmentsReplayed) segment\(report.segmentsReplayed == 1 ? "" : "s") in \(buffer.directory)"
            text += "; skipped \(report.corruptSegments) corrupt segment\(report.corruptSegments == 1 ? "" : "s")"
            for s in report.skipped { text += "\n  \(s.corrupt ? "corrupt" : "gone"): \(s)" }
            if output != "-" { text += "\n  output: \(output)" }
            printError(text)
        }
        if strict && report.corruptSegments > 0 { throw RuntimeError("\(report.corruptSegments) corrupt segment(s) in \(directory)") }
    }
}
