import Foundation
import Testing
@testable import SluiceWorkload

/// Byte-for-byte parity with the canonical Python tools, run here with python3.
/// These fail (not skip) when python3 or the scripts are missing.
@Suite(.serialized)
struct PythonParityTests {
    @Test(arguments: [(20_000, UInt64(42)), (5_000, UInt64(7))])
    func generatedFilesAreByteIdenticalToGenEventsPy(events: Int, seed: UInt64) throws {
        let swiftDir = try TemporaryDirectory("sluice-workload-swift")
        let pythonDir = try TemporaryDirectory("sluice-workload-python")
        defer { swiftDir.remove(); pythonDir.remove() }
        let expectation = try WorkloadGenerator(events: events, seed: seed).write(to: swiftDir.path)
        try PythonReference.generate(events: events, seed: seed, into: pythonDir.path)

        for name in ["events_\(events).csv", "events_\(events).ndjson", "expected_\(events).json"] {
            let mine = try Data(contentsOf: URL(fileURLWithPath: swiftDir.file(name)))
            let theirs = try Data(contentsOf: URL(fileURLWithPath: pythonDir.file(name)))
            // Not `#expect(mine == theirs)`: a failing comparison of megabyte collections
            // makes the test library compute a diff, which takes practically forever.
            let firstDifference = zip(mine, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(mine.count == theirs.count, "\(name): \(mine.count) bytes, gen_events.py wrote \(theirs.count)")
            #expect(firstDifference == nil, "\(name) differs from gen_events.py's at byte \(firstDifference ?? 0)")
        }
        let pythonExpectation = try WorkloadExpectation.load(fromDirectory: pythonDir.path, events: events)
        #expect(pythonExpectation == expectation)
    }

    @Test func checksumReportMatchesVerifyPy() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let events = 20_000
        let expectation = try WorkloadGenerator(events: events).write(to: dir.path, formats: [])
        let expectationFile = WorkloadFiles.expectationPath(in: dir.path, events: events)

        // A correct output as a directory of part files, with files verify.py skips.
        let output = ReferencePipeline.outputCSV(events: WorkloadEventStream(count: events))
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let parts = dir.file("out")
        try FileManager.default.createDirectory(atPath: parts + "/_temporary", withIntermediateDirectories: true)
        let half = lines.count / 2
        try (lines[..<half].joined(separator: "\n") + "\n").write(toFile: parts + "/part-00000.csv", atomically: false, encoding: .utf8)
        try lines[half...].joined(separator: "\n").write(toFile: parts + "/part-00001.csv", atomically: false, encoding: .utf8)
        for skipped in ["_SUCCESS", ".part-00000.csv.crc", "_temporary/part-9.csv", "part-00000.csv.crc"] {
            try "garbage\n".write(toFile: parts + "/" + skipped, atomically: false, encoding: .utf8)
        }
        let good = try WorkloadChecksum(contentsOf: parts)
        #expect(good.matches(expectation))
        #expect(good.report(comparedTo: expectation)
            == (try PythonReference.verifyReport(output: parts, expectationFile: expectationFile)))

        // A wrong output: one row repeated, one row's sum_feat changed, a quoted header.
        lines[0] = "\"sensor_id\",\"window_start\",\"cnt\",\"mean_temp_z\",\"min_temp_z\",\"max_temp_z\",\"sum_feat\""
        lines.append(lines[5])
        var fields = lines[7].split(separator: ",").map(String.init)
        fields[6] = "1.5"
        lines[7] = fields.joined(separator: ",")
        let bad = dir.file("bad.csv")
        try lines.joined(separator: "\n").write(toFile: bad, atomically: false, encoding: .utf8)
        let wrong = try WorkloadChecksum(contentsOf: bad)
        let problems = wrong.problems(comparedTo: expectation)
        #expect(problems.contains("rows: got 2001 expected 2000"))
        #expect(problems.contains("duplicate (sensor, window) rows: 1"))
        #expect(problems.contains { $0.hasPrefix("sum_feat: got ") })
        #expect(wrong.report(comparedTo: expectation)
            == (try PythonReference.verifyReport(output: bad, expectationFile: expectationFile)))
    }
}
