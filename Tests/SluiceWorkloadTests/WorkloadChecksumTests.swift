import Foundation
import Testing
@testable import SluiceWorkload

/// `verify.py`'s checksum and compare on hand-made outputs; reference numbers printed by
/// verify.py's `checksum`, `compare` and `short` on the same text.
struct WorkloadChecksumTests {
    static let handMade = """
        sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat
        s0001,1700000000000,3,0.5,0.1,0.9,1.25
        "s0002",1700000010000,2,-0.25,-0.5,0.0,-0.125
        s0001,1700000000000,1,0.1,0.1,0.1,0.1

        "sensor_id","window_start","cnt","mean_temp_z","min_temp_z","max_temp_z","sum_feat"
        s0003,1.70000002e12,4.0,0.1,0.2,0.3,0.4\r
        s0004,1699999990000,1,1e-3,-2.5,3.25,1e16

        """

    static let handMadeChecksum = WorkloadChecksum(
        rows: 5, totalCount: 11, winSum: 2, duplicateKeys: 1, sumFeat: 1.0000000000000002e+16,
        sumMeanTempZ: 0.451, sumMinTempZ: -2.6, sumMaxTempZ: 4.55)

    static let nearlyMatching = WorkloadExpectation(
        nEvents: 11, seed: 42, nDirty: 0, rows: 5, totalCount: 11, winSum: 2,
        sumFeat: 1e16, sumMeanTempZ: 0.451, sumMinTempZ: -2.4, sumMaxTempZ: 4.55)

    @Test func checksumOfAHandMadeFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.handMade.write(toFile: dir.file("out.csv"), atomically: false, encoding: .utf8)
        let checksum = try WorkloadChecksum(contentsOf: dir.file("out.csv"))
        #expect(checksum == Self.handMadeChecksum)
        #expect(try WorkloadChecksum(csv: Array(Self.handMade.utf8)) == Self.handMadeChecksum)
        #expect(checksum.short == "5/11/10000000000000002.000")
    }

    @Test func compareReportsVerifyPyProblems() {
        #expect(Self.handMadeChecksum.problems(comparedTo: Self.nearlyMatching) == [
            "duplicate (sensor, window) rows: 1",
            "sum_min_temp_z: got -2.6 expected -2.4",
        ])
        var other = Self.nearlyMatching
        other.rows = 6
        other.totalCount = 10
        other.winSum = 3
        other.sumMinTempZ = -2.6
        #expect(Self.handMadeChecksum.problems(comparedTo: other) == [
            "rows: got 5 expected 6",
            "total_count: got 11 expected 10",
            "win_sum: got 2 expected 3",
            "duplicate (sensor, window) rows: 1",
        ])
        var clean = Self.handMadeChecksum
        clean.duplicateKeys = 0
        other = Self.nearlyMatching
        other.sumMinTempZ = -2.6
        #expect(clean.matches(other))
        #expect(clean.report(comparedTo: other) == """
            {"ok": true, "checksum": "5/11/10000000000000002.000", "expected": "5/11/10000000000000000.000", \
            "problems": [], "got": {"rows": 5, "total_count": 11, "win_sum": 2, "duplicate_keys": 0, \
            "sum_feat": 1.0000000000000002e+16, "sum_mean_temp_z": 0.451, "sum_min_temp_z": -2.6, "sum_max_temp_z": 4.55}}
            """)
    }

    @Test func toleranceIsRelative1e9OrAbsolute1e6() {
        #expect(WorkloadChecksum.isClose(490633.5263294, 490633.5263294 * (1 + 0.9e-9)))
        #expect(!WorkloadChecksum.isClose(490633.5263294, 490633.5263294 * (1 + 1.1e-9)))
        #expect(WorkloadChecksum.isClose(0.0, 0.9e-6))
        #expect(!WorkloadChecksum.isClose(0.0, 1.1e-6))
        #expect(!WorkloadChecksum.isClose(.nan, .nan))
        #expect(WorkloadChecksum.isClose(.infinity, .infinity))
    }

    @Test func directoryOfPartsSkipsHiddenUnderscoreAndCrcFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.file("out/sub"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir.file("out/_temporary"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir.file("out/.hidden"), withIntermediateDirectories: true)
        let lines = Self.handMade.split(separator: "\n").map(String.init)
        try (lines[0...2].joined(separator: "\n") + "\n").write(toFile: dir.file("out/part-0.csv"), atomically: false, encoding: .utf8)
        try lines[3...].joined(separator: "\n").write(toFile: dir.file("out/sub/part-1.csv"), atomically: false, encoding: .utf8)
        for junk in ["out/_SUCCESS", "out/.part-0.csv.crc", "out/part-0.csv.crc", "out/_temporary/x.csv", "out/.hidden/y.csv"] {
            try "not,a,row\n".write(toFile: dir.file(junk), atomically: false, encoding: .utf8)
        }
        #expect(try WorkloadChecksum(contentsOf: dir.file("out")) == Self.handMadeChecksum)
    }

    @Test func malformedRowsAndMissingPathsThrow() throws {
        #expect(throws: WorkloadError.malformedRow(path: "<memory>", line: 2,
                                                    reason: "expected 7 comma-separated fields, found 3")) {
            try WorkloadChecksum(csv: Array("sensor_id\ns1,2,3\n".utf8))
        }
        #expect(throws: WorkloadError.malformedRow(path: "<memory>", line: 1, reason: "sum_feat is not a number")) {
            try WorkloadChecksum(csv: Array("s1,1700000000000,1,0.1,0.1,0.1,x1\n".utf8))
        }
        #expect(throws: WorkloadError.self) {
            try WorkloadChecksum(contentsOf: "/nonexistent/sluice-output")
        }
    }

    @Test func checksumOfLargeOutputReadAcrossChunks() throws {
        // More than one 4 MiB read buffer, and a last line without a newline.
        var text = Workload.outputHeader + "\n"
        let rows = 120_000
        for i in 0..<rows {
            text += "s\(1000 + i % 1000),\(1_700_000_000_000 + 10_000 * (i / 1000)),2,0.125,-0.5,0.75,0.0625"
            if i < rows - 1 { text += "\n" }
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try text.write(toFile: dir.file("big.csv"), atomically: false, encoding: .utf8)
        #expect(text.utf8.count > 4 << 20)
        let checksum = try WorkloadChecksum(contentsOf: dir.file("big.csv"))
        #expect(checksum == WorkloadChecksum(
            rows: rows, totalCount: 2 * rows, winSum: 1000 * (0 + 119) * 120 / 2, duplicateKeys: 0,
            sumFeat: 0.0625 * Double(rows), sumMeanTempZ: 0.125 * Double(rows),
            sumMinTempZ: -0.5 * Double(rows), sumMaxTempZ: 0.75 * Double(rows)))
    }
}
