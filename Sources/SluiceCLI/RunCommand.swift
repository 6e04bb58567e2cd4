import ArgumentParser
import Foundation
import Sluice
import SluiceFiles

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline over a file or stdin, writing results to a file or stdout.",
        discussion: """
        Formats follow the file extension (.csv, .ndjson/.jsonl/.json) unless --format or \
        --output-format say otherwise. Rejected records (cleaning, decoding, late events) go to \
        the dead-letter file as NDJSON lines with their reason; a summary with counts per reason \
        is printed to stderr at the end.
        """)

    @OptionGroup var pipeline: PipelineSelection

    @Option(name: .shortAndLong, help: "Input file, or - for stdin.")
    var input: String = "-"

    @Option(name: .shortAndLong, help: "Output file, or - for stdout.")
    var output: String = "-"

    @Option(help: "Dead-letter file (NDJSON). Default: OUTPUT.dead-letter.ndjson, or dead-letter.ndjson when writing to stdout. 'none' only counts them.")
    var deadLetter: String?

    @Option(help: "Input format: csv or ndjson (default: from the input's extension).")
    var format: String?

    @Option(help: "Output format: csv or ndjson (default: from the output's extension, else the input format).")
    var outputFormat: String?

    @Flag(help: "CSV input has no header line: columns are the schema's fields in order.")
    var noHeader = false

    @Option(help: "Rows per micro-batch (default: the pipeline's, else 4096).")
    var batchSize: Int?

    @Option(help: "Also write the run summary as JSON to this file.")
    var summaryJSON: String?

    @Flag(help: "Show a progress line (default: when stderr is a terminal).")
    var progress = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if let format, RecordFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or ndjson, not '\(format)'") }
        if let outputFormat, RecordFormat(rawValue: outputFormat) == nil { throw ValidationError("--output-format must be csv or ndjson, not '\(outputFormat)'") }
    }

    func run() throws {
        let spec = try pipeline.resolve()
        let inputFormat = try format.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: input)
            ?? { throw ValidationError("cannot tell the format of '\(input)': pass --format csv or --format ndjson") }()
        let outFormat = outputFormat.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: output) ?? inputFormat

        let deadLetterPath: String? = {
            if let deadLetter { return deadLetter == "none" ? nil : deadLetter }
            return output == "-" ? "dead-letter.ndjson" : output + ".dead-letter.ndjson"
        }()
        let deadLetterSink = try deadLetterPath.map { try FileByteSink(path: $0) }
        let deadLetters = DeadLetters(sink: deadLetterSink)

        let plan: PhysicalPlan
        do {
            plan = try PlanCompiler.compile(spec, deadLetters: deadLetters, batchSize: batchSize)
        } catch {
            throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
        }
        let source = try FileSource(path: input, decoder: inputFormat.makeDecoder(csvHeader: !noHeader))
        let sink = outFormat.makeEncoder(sink: try FileByteSink(path: output))
        let runner = PipelineRunner(plan: plan, source: source, sink: sink, deadLetters: deadLetters)

        let showProgress = !quiet && (progress || isatty(2) != 0)
        let display = ProgressDisplay()
        let summary: RunSummary
        do {
            summary = try runner.run(progress: showProgress ? { display.update($0) } : nil)
        } catch let error as InputError {
            display.clear()
            throw RuntimeError(error.message)
        }
        display.clear()
        try deadLetterSink?.close()

        if !quiet {
            var text = summary.render()
            if summary.deadLettered > 0 {
                text += "\n  dead letters: " + (deadLetterPath ?? "not kept (--dead-letter none)")
            }
            if output != "-" { text += "\n  output: \(output)" }
            printError(text)
        }
        if let summaryJSON {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(summary).write(to: URL(fileURLWithPath: summaryJSON))
        }
    }
}

/// A failure while running (as opposed to invalid arguments): printed as `error: …`, exit code 1.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A one-line progress display on stderr: records, percent of input, rate, ETA.
final class ProgressDisplay {
    private var shown = false

    func update(_ p: RunProgress) {
        var line = "\r  \(formatCount(p.recordsIn)) records"
        let rate = p.seconds > 0 ? Double(p.recordsIn) / p.seconds : 0
        line += ", \(formatRate(rate)) records/s"
        if let total = p.totalBytes, total > 0 {
            let fraction = Double(p.bytesIn) / Double(total)
            line += ", \(Int(fraction * 100))% read"
            if fraction > 0.01 {
                let eta = p.seconds / fraction - p.seconds
                line += ", ETA \(Int(eta.rounded()))s"
            }
        }
        line += "    "
        printRaw(line)
        shown = true
    }

    func clear() {
        if shown { printRaw("\r" + String(repeating: " ", count: 78) + "\r") }
        shown = false
    }

    private func printRaw(_ s: String) {
        var s = s
        s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

func formatCount(_ n: Int64) -> String {
    if n >= 1_000_000 { return fixed(Double(n) / 1_000_000, 1) + " M" }
    if n >= 10_000 { return fixed(Double(n) / 1000, 0) + " k" }
    return String(n)
}
