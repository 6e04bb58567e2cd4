import Foundation
import Testing
@testable import SluiceWorkload

/// Python-free checks of the generator against fingerprints of `gen_events.py 2000` output
/// (seed 42), computed once with CPython 3.11.
struct WorkloadGeneratorTests {
    static let expected2000 = WorkloadExpectation(
        nEvents: 2000, seed: 42, nDirty: 38, rows: 875, totalCount: 1962, winSum: 0,
        sumFeat: 66.9124881, sumMeanTempZ: 62.402480952380955, sumMinTempZ: -280.431, sumMaxTempZ: 415.421)

    @Test func filesFor2000EventsMatchPythonFingerprints() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var reported: [Int] = []
        let expectation = try WorkloadGenerator(events: 2000).write(to: dir.path) { reported.append($0) }
        #expect(reported == [2000])
        #expect(expectation == Self.expected2000)

        let csv = try Data(contentsOf: URL(fileURLWithPath: WorkloadFiles.csvPath(in: dir.path, events: 2000)))
        let ndjson = try Data(contentsOf: URL(fileURLWithPath: WorkloadFiles.ndjsonPath(in: dir.path, events: 2000)))
        let json = try Data(contentsOf: URL(fileURLWithPath: WorkloadFiles.expectationPath(in: dir.path, events: 2000)))
        #expect(csv.count == 69_663)
        #expect(FNV1a.hash64(csv) == 0x69b5_f638_d84e_655a)
        #expect(ndjson.count == 169_669)
        #expect(FNV1a.hash64(ndjson) == 0xf349_78b4_b6d2_9da0)
        #expect(json.count == 224)
        #expect(FNV1a.hash64(json) == 0x8aec_8ee1_e078_ebc7)
        #expect(try WorkloadExpectation.load(fromDirectory: dir.path, events: 2000) == Self.expected2000)
    }

    @Test func firstLinesAndSpecialEventsAreFormattedLikePython() throws {
        let events = Array(WorkloadEventStream(count: 2000))
        #expect(events[0].csvLine == "s0639,1700000000000,27.34,22.32,ok\n")
        #expect(events[0].ndjsonLine
            == "{\"sensor_id\":\"s0639\",\"ts\":1700000000000,\"temp\":27.34,\"humidity\":22.32,\"status\":\"ok\"}\n")
        #expect(events[1].csvLine == "s0676,1700000000001,22.00,89.22,ok\n")
        #expect(events[24].csvLine == "s0996,1700000000024,0.06,-34.09,ok\n")
        #expect(events[105].csvLine == "s0243,1700000000105,-396.53,65.61,ok\n")
        let null = try #require(events.first { $0.temperatureCenti == nil })
        #expect(null.csvLine.contains(",\(null.timestamp),,"))
        #expect(null.ndjsonLine.contains("\"temp\":null,"))
        let small = WorkloadEvent(sensor: 7, timestamp: -12, temperatureCenti: -5, humidityCenti: 5, isOK: false)
        #expect(small.csvLine == "s0007,-12,-0.05,0.05,err\n")
        #expect(small.ndjsonLine == "{\"sensor_id\":\"s0007\",\"ts\":-12,\"temp\":-0.05,\"humidity\":0.05,\"status\":\"err\"}\n")
    }

    @Test func expectationWithoutFilesEqualsWrittenOne() {
        #expect(WorkloadGenerator(events: 2000).expectation() == Self.expected2000)
    }

    @Test func writesOnlyTheRequestedFormats() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let nested = dir.path + "/a/b"
        var reported: [Int] = []
        let expectation = try WorkloadGenerator(events: 250_000).write(to: nested, formats: [.csv]) { reported.append($0) }
        #expect(reported == [100_000, 200_000, 250_000])
        #expect(WorkloadFiles.fileExists(WorkloadFiles.csvPath(in: nested, events: 250_000)))
        #expect(!WorkloadFiles.fileExists(WorkloadFiles.ndjsonPath(in: nested, events: 250_000)))
        #expect(try WorkloadExpectation.load(fromDirectory: nested, events: 250_000) == expectation)
        #expect(expectation.totalCount == 250_000 - expectation.nDirty)
    }

    @Test func expectationJSONHasPythonLayout() {
        #expect(Self.expected2000.jsonText == """
            {
             "n_events": 2000,
             "seed": 42,
             "n_dirty": 38,
             "rows": 875,
             "total_count": 1962,
             "win_sum": 0,
             "sum_feat": 66.9124881,
             "sum_mean_temp_z": 62.402480952380955,
             "sum_min_temp_z": -280.431,
             "sum_max_temp_z": 415.421
            }

            """)
        #expect(Self.expected2000.short == "875/1962/66.912")
    }

    @Test func referencePipelineOutputMatchesTheExpectation() throws {
        let output = ReferencePipeline.outputCSV(events: WorkloadEventStream(count: 20_000))
        let checksum = try WorkloadChecksum(csv: Array(output.utf8))
        let expectation = WorkloadGenerator(events: 20_000).expectation()
        #expect(checksum.problems(comparedTo: expectation) == [])
        #expect(checksum.short == expectation.short)
        #expect(checksum.rows == 2000 && checksum.totalCount == 19_618 && checksum.winSum == 1000)
    }
}
