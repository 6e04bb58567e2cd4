import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceML

/// Spool write and drain rates: what store-and-forward costs on this disk.
struct BenchSpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-spool",
        abstract: "Benchmark the store-and-forward spool: append rate, then drain (read + acknowledge) rate, with fsync on and off.",
        discussion: "Records look like the canonical pipeline's window results (CSV lines of about 70 bytes, 100 000 distinct). Build with `swift build -c release` first.")

    @Option(name: .shortAndLong, help: "Records to append and drain.")
    var records: Int = 2_000_000

    @Option(help: "Spool size cap in MiB (large enough to hold every record).")
    var maxMiB: Int = 512

    @Option(help: "Segment size in KiB.")
    var segmentKiB: Int = 1024

    @Option(help: "Records per read when draining (an upstream batch).")
    var batch: Int = 1000

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        // 100 000 distinct results (more than a segment holds, so compression sees no repeats): sensor,
        // window start, count and four pseudo-random aggregates, as the canonical pipeline writes them.
        var random = SplitMix64(seed: 42)
        let distinct = 100_000
        let lines: [[UInt8]] = (0..<distinct).map { i in
            func value() -> String { String(format: "%.6f", Double(random.next() % 4_000_000) / 1_000_000 - 2) }
            return Array("s\(String(format: "%04d", i % 1000)),\(1_700_000_000_000 + (i / 1000) * 10_000),\(5 + random.next() % 10),\(value()),\(value()),\(value()),\(value())".utf8)
        }
        let raw = (0..<records).reduce(0) { $0 + lines[$1 % distinct].count }
        print("sluice bench-spool: \(records) records (\(fixed(Double(raw) / 1_048_576, 1)) MiB raw), segments of \(segmentKiB) KiB, drained \(batch) per read")
        for fsync in SpoolOptions.Fsync.allCases {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-spool-\(getpid())-\(fsync.rawValue)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let spool: Spool
            do {
                spool = try Spool(directory: dir, options: SpoolOptions(maxBytes: maxMiB << 20, segmentBytes: segmentKiB << 10, fsync: fsync))
            } catch {
                throw RuntimeError("\(error)")
            }
            var start = monotonicSeconds()
            for i in 0..<records { try spool.append(lines[i % distinct]) }
            try spool.flush()
            let writeSeconds = monotonicSeconds() - start
            let onDisk = spool.stats.bytes
            start = monotonicSeconds()
            var drained = 0
            while let b = try spool.read(max: batch) {
                drained += b.records.count
                try spool.acknowledge(before: b.firstSequence + UInt64(b.records.count))
            }
            let drainSeconds = monotonicSeconds() - start
            guard drained == records else { throw RuntimeError("drained \(drained) of \(records) records") }
            print("  fsync \(fsync.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)): append \(formatRate(Double(records) / writeSeconds)) records/s (\(fixed(Double(raw) / 1_048_576 / writeSeconds, 1)) MiB/s raw), "
                  + "drain \(formatRate(Double(records) / drainSeconds)) records/s (\(fixed(Double(raw) / 1_048_576 / drainSeconds, 1)) MiB/s raw); \(fixed(Double(onDisk) / 1_048_576, 1)) MiB on disk (zstd \(fixed(Double(raw) / Double(max(1, onDisk)), 1))x)")
        }
    }
}

