/// Generates the canonical workload: `gen_events.py` in Swift, byte for byte.
///
/// For a given event count and seed it writes `events_<N>.csv` and/or `events_<N>.ndjson`
/// identical to the Python generator's, and `expected_<N>.json` identical to its expected
/// checksum, computed from the generated values (see ``WorkloadExpectation``).
///
/// Files are written streaming, through a 1 MiB buffer per format, with lines formatted by
/// hand; memory use is flat in N. The expectation file is written last, so its presence
/// means the event files are complete.
public struct WorkloadGenerator: Sendable {
    /// Number of events, N.
    public let events: Int
    /// Seed of the Mersenne Twister (`random.Random(seed)`).
    public let seed: UInt64

    /// Events between calls of the `progress` callback.
    public static let progressInterval = 100_000

    /// A generator for `events` events with `seed`.
    public init(events: Int, seed: UInt64 = Workload.defaultSeed) {
        precondition(events >= 0, "event count must not be negative")
        self.events = events
        self.seed = seed
    }

    /// The events, in file order, without writing anything.
    public func eventStream() -> WorkloadEventStream {
        WorkloadEventStream(count: events, seed: seed)
    }

    /// The expected checksum, computed without writing files.
    public func expectation() -> WorkloadExpectation {
        var accumulator = ExpectationAccumulator()
        var stream = eventStream()
        while let event = stream.next() { accumulator.add(event) }
        return accumulator.finish(seed: seed)
    }

    /// Writes the event files in `formats` and `expected_<N>.json` into `directory`
    /// (created if missing; existing files are replaced), and returns the expectation.
    ///
    /// - Parameter progress: called with the number of events generated so far, after every
    ///   ``progressInterval`` events and once at the end.
    public func write(to directory: String,
                      formats: Set<WorkloadFormat> = Set(WorkloadFormat.allCases),
                      progress: ((Int) -> Void)? = nil) throws -> WorkloadExpectation {
        try WorkloadFiles.makeDirectories(directory)
        let csv = formats.contains(.csv)
            ? try ChunkedFileWriter(path: WorkloadFiles.csvPath(in: directory, events: events)) : nil
        let ndjson = formats.contains(.ndjson)
            ? try ChunkedFileWriter(path: WorkloadFiles.ndjsonPath(in: directory, events: events)) : nil
        try csv?.writeAll(Array((Workload.csvHeader + "\n").utf8))

        var stream = eventStream()
        var accumulator = ExpectationAccumulator()
        var csvCount = 0
        var ndjsonCount = 0
        let csvBuffer = csv?.buffer
        let ndjsonBuffer = ndjson?.buffer
        let csvThreshold = csv?.chunkSize ?? 0
        let ndjsonThreshold = ndjson?.chunkSize ?? 0
        var done = 0
        while done < events {
            let end = min(events, done + Self.progressInterval)
            for _ in done..<end {
                guard let event = stream.next() else { break }
                if let base = csvBuffer {
                    csvCount = EventLineEncoder.writeCSV(event, to: base, at: csvCount)
                    if csvCount >= csvThreshold {
                        try csv!.flush(csvCount)
                        csvCount = 0
                    }
                }
                if let base = ndjsonBuffer {
                    ndjsonCount = EventLineEncoder.writeNDJSON(event, to: base, at: ndjsonCount)
                    if ndjsonCount >= ndjsonThreshold {
                        try ndjson!.flush(ndjsonCount)
                        ndjsonCount = 0
                    }
                }
                accumulator.add(event)
            }
            done = end
            progress?(done)
        }
        if let csv {
            try csv.flush(csvCount)
            try csv.finish()
        }
        if let ndjson {
            try ndjson.flush(ndjsonCount)
            try ndjson.finish()
        }
        let expectation = accumulator.finish(seed: seed)
        try FileBytes.replace(WorkloadFiles.expectationPath(in: directory, events: events),
                              with: Array(expectation.jsonText.utf8))
        if events == 0 { progress?(0) }
        return expectation
    }
}
