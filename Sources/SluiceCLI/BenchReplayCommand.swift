import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceWorkload

/// `sluice bench-replay`: how fast a ``ReplayBuffer`` retains and replays the
/// canonical workload's records (sensor id, time, temperature with nulls,
/// humidity, status). Prints figures; it is not a timed test.
///
/// The events are generated into batches before the clock starts, so the
/// append figure is the buffer alone: columnar gather, zstd, CRC, atomic file
/// writes (with fsync). Replay reads a fresh read-only buffer from disk and
/// verifies a checksum of every value against the input.
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-replay",
        abstract: "Benchmark the replay buffer: append and replay rates, compression ratio.",
        discussion: "Build with `swift build -c release` first: debug builds are 10-50x slower.")

    @Option(help: "Records to append.")
    var records: Int = 5_000_000

    @Option(help: "Rows per appended batch.")
    var batchSize: Int = 4096

    @Option(help: "Memory tail size (the segment size), e.g. 8MiB.")
    var memory: String = "8MiB"

    @Option(help: "zstd level.")
    var level: Int = 3

    @Option(help: "Replay directory (default: a new temporary directory, removed afterwards).")
    var dir: String?

    func run() throws {
        guard records > 0, batchSize > 0 else { throw ValidationError("--records and --batch-size must be positive") }
        guard let memoryBytes = ByteCount(parsing: memory)?.bytes else { throw ValidationError("--memory: '\(memory)' is not a size") }
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        let directory = dir ?? NSTemporaryDirectory() + "sluice-bench-replay-\(getpid())"
        if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }

        let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64),
                             Field("humidity", .float64), Field("status", .string)])
        printError("generating \(records) events ...")
        var batches: [Batch] = []
        var expected = Checksum()
        var events = WorkloadEventStream(count: records)
        while events.produced < records {
            let batch = Batch(schema: schema, capacity: min(batchSize, records - events.produced))
            while !batch.isFull, let e = events.next() {
                let r = batch.count
                let c = batch.columns
                c[0].strings[r] = batch.arena.append(e.sensorID)
                c[1].int64[r] = e.timestamp
                if let t = e.temperature { c[2].float64[r] = t; c[2].validity[r] = 1 } else { c[2].validity[r] = 0 }
                c[3].float64[r] = e.humidity
                c[4].strings[r] = batch.arena.append(e.isOK ? "ok" : "err")
                batch.count += 1
            }
            batch.selectAll()
            expected.add(batch)
            batches.append(batch)
        }

        let options = ReplayOptions(maxRecords: records, memoryBytes: memoryBytes, compressionLevel: level)
        let start = monotonicSeconds()
        let buffer = try ReplayBuffer(directory: directory, options: options)
        for batch in batches { try buffer.append(batch) }
        try buffer.close()
        let appendSeconds = monotonicSeconds() - start
        let stats = buffer.stats
        batches = []

        let replayStart = monotonicSeconds()
        var actual = Checksum()
        let report = try ReplayBuffer(readingFrom: directory).replay { actual.add($0) }
        let replaySeconds = monotonicSeconds() - replayStart

        let raw = Double(stats.bytesBeforeCompression), packed = Double(stats.bytesAfterCompression)
        let mb = 1_048_576.0
        print("sluice bench-replay: \(records) records (canonical workload: 5 columns, ~1% null temperatures), batches of \(batchSize), memory tail \(ByteCount(bytes: memoryBytes)), zstd level \(level)")
        print("append  \(formatRate(Double(records) / appendSeconds)) records/s   \(fixed(raw / mb / appendSeconds, 1)) MB/s before compression, \(fixed(packed / mb / appendSeconds, 1)) MB/s after   (\(fixed(appendSeconds, 3)) s, of which \(fixed(stats.spillSeconds, 3)) s compressing and writing \(stats.segmentsWritten) segments)")
        print("size    \(fixed(raw / mb, 1)) MB columnar -> \(fixed(packed / mb, 1)) MB on disk: ratio \(fixed(stats.compressionRatio, 2)), \(fixed(packed / Double(records), 2)) bytes/record")
        print("replay  \(formatRate(Double(report.records) / replaySeconds)) records/s   \(fixed(raw / mb / replaySeconds, 1)) MB/s decompressed   (\(fixed(replaySeconds, 3)) s, \(report.segmentsReplayed) segments, \(report.batches) batches)")
        print("check   \(actual == expected ? "ok" : "MISMATCH"): \(report.records) records, \(report.corruptSegments) corrupt segments")
        if actual != expected || report.records != records { throw RuntimeError("replayed records differ from the appended ones") }
    }

    /// Order-sensitive sums over every value, to verify a replay without keeping the records.
    struct Checksum: Equatable {
        var records = 0
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func mix(_ v: UInt64) { hash = (hash ^ v) &* 0x100_0000_01B3 }

        mutating func add(_ batch: Batch) {
            let c = batch.columns
            for r in batch.selectedRows {
                records += 1
                for s in [c[0].strings[r], c[4].strings[r]] {
                    for byte in batch.arena.bytes(s) { mix(UInt64(byte)) }
                }
                mix(UInt64(bitPattern: c[1].int64[r]))
                mix(c[2].validity[r] != 0 ? c[2].float64[r].bitPattern : 0xDEAD)
                mix(c[3].float64[r].bitPattern)
            }
        }
    }
}
