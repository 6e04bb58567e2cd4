import Foundation
import SluiceWorkload
import Testing

/// SIGINT/SIGTERM end a run cleanly: the input read so far is processed, every window closes,
/// the output is complete for it, the exit status is 0; a second signal exits at once.
@Suite(.serialized) struct LifecycleCLITests {
    func start(_ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    @Test(arguments: [["--shards", "1", "--prefetch", "0"], ["--shards", "2"]])
    func aSignalDrainsAndFlushes(runtime: [String]) throws {
        let dir = try TempDir()
        #expect(try CLI.run(["gen", "--events", "200000", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: 200_000)
        // Slowed down (20 ms per read) so the signal lands mid-run.
        let (p, err) = try start(["run", "sensor-features", "--input", input, "--output", dir.path("out.csv"), "--batch-size", "2048",
                                  "--source-delay-ms", "20", "--summary-json", dir.path("summary.json")] + runtime)
        usleep(400_000)
        #expect(p.isRunning)
        kill(p.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopping (signal 15)"))
        #expect(stderr.contains("stopped by a signal"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("summary.json")))) as! [String: Any]
        let recordsIn = summary["recordsIn"] as! Int
        #expect(recordsIn > 0 && recordsIn < 200_000)
        // Every window of the records read was closed and written: one row per (sensor, 10 s) with data.
        let rows = try dir.read("out.csv").split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0.split(separator: ",").count == 7 })
    }

    @Test func aSecondSignalExitsAtOnce() throws {
        let dir = try TempDir()
        #expect(try CLI.run(["gen", "--events", "200000", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: 200_000)
        // 200 ms per read: the second signal arrives while the run is still draining.
        let (p, err) = try start(["run", "sensor-features", "--input", input, "--output", dir.path("out.csv"), "--batch-size", "1024",
                                  "--source-delay-ms", "200", "--shards", "1", "--prefetch", "0"])
        usleep(300_000)
        kill(p.processIdentifier, SIGINT)
        usleep(20_000)
        kill(p.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("stopping (signal 2)"))
        #expect(stderr.contains("second signal, exiting without flushing"))
    }

    /// A stop that takes longer than --shutdown-timeout (here: a read stuck for 3 s) ends the process
    /// with status 1 and says so, instead of hanging.
    @Test func aStopThatTakesTooLongIsCutShort() throws {
        let dir = try TempDir()
        #expect(try CLI.run(["gen", "--events", "50000", "--out", dir.url.path, "--formats", "csv"]).status == 0)
        let input = WorkloadFiles.eventsPath(for: .csv, in: dir.url.path, events: 50_000)
        let (p, err) = try start(["run", "sensor-features", "--input", input, "--output", dir.path("out.csv"), "--batch-size", "1024",
                                  "--source-delay-ms", "3000", "--shards", "1", "--prefetch", "0", "--shutdown-timeout", "0.5"])
        usleep(300_000)
        let signalled = Date()
        kill(p.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("did not stop within 0.5 s"), "\(stderr)")
        #expect(Date().timeIntervalSince(signalled) < 2.5, "exited at the deadline, not after the stuck read")
    }
}
