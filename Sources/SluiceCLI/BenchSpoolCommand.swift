import ArgumentParser
import Foundation
import Sluice

/// Spool write and drain rates: what store-and-forward costs on this disk.
struct BenchSpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-spool",
        abstract: "Benchmark the store-and-forward spool: append rate, then drain (read + acknowledge) rate, with fsync on and off.",
        discussion: "Records are window results of the canonical pipeline (CSV lines of about 70 bytes). Build with `swift build -c release` first.")

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
        let lines: [[UInt8]] = (0..<1000).map { i in
            Array("s\(String(format: "%04d", i)),1700000\(String(format: "%06d", i * 10_000)),10,\(Double(i) / 7),-1.25,2.5,\(Double(i) * 0.125)".utf8)
        }
        let raw = (0..<records).reduce(0) { $0 + lines[$1 % 1000].count }
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
            for i in 0..<records { try spool.append(lines[i % 1000]) }
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
