import Foundation
import Sluice
import Testing
@testable import SluiceML

/// The extractor turns selected batch rows into dense rows and labels, with
/// nulls and unknown classes counted, and reuses its buffers.
@Suite struct FeatureExtractorTests {
    let schema = Schema([Field("a", .float64), Field("n", .int64), Field("flag", .bool), Field("label", .string), Field("y", .float64)])

    func sample() -> Batch {
        MLTestData.batch(schema, [
            [1.5, 2, true, "cat", 10.0],
            [-1.0, 7, false, "dog", 20.0],
            [nil, 3, true, "cat", 30.0],      // null feature
            [4.0, 5, false, nil, 40.0],       // null label
            [8.0, 9, true, "bird", 50.0],     // unknown class
            [0.25, -4, true, "dog", nil],
        ])
    }

    @Test func numericAndBooleanColumnsBecomeRowMajorRows() throws {
        let batch = sample()
        // Select only rows 0, 1 and 5, as a filter would.
        batch.selection[0] = 0; batch.selection[1] = 1; batch.selection[2] = 5
        batch.selectedCount = 3
        let x = FeatureExtractor(features: ["n", "a", "flag"], target: .regression(column: "n"))
        #expect(try x.extract(batch) == 3)
        #expect(Array(x.features) == [2, 1.5, 1, 7, -1, 0, -4, 0.25, 1])
        #expect(Array(x.targets) == [2, 7, -4])
        #expect(Array(x.sourceRows) == [0, 1, 5])
        #expect(x.classIndices.isEmpty)
        #expect(x.counts.rowsSeen == 3 && x.counts.rowsExtracted == 3 && x.counts.skippedRows == 0)
    }

    @Test func skipPolicyDropsAndCountsRows() throws {
        let classes = ClassLabels(["cat", "dog"])
        let x = FeatureExtractor(features: ["a", "n"], target: .classification(column: "label", classes: classes), nullPolicy: .skipRow)
        #expect(try x.extract(sample()) == 3)
        #expect(Array(x.features) == [1.5, 2, -1, 7, 0.25, -4])
        #expect(Array(x.classIndices) == [0, 1, 1])
        #expect(Array(x.sourceRows) == [0, 1, 5])
        #expect(x.counts.nullFeatureRows == 1)
        #expect(x.counts.nullLabelRows == 1)
        #expect(x.counts.unknownClassRows == 1)
        #expect(x.counts.skippedRows == 3)
        #expect(x.counts.rowsSeen == x.counts.rowsExtracted + x.counts.skippedRows)
    }

    @Test func imputeZeroKeepsRowsWithNullFeatures() throws {
        let x = FeatureExtractor(features: ["a", "flag"], target: .regression(column: "y"), nullPolicy: .imputeZero)
        #expect(try x.extract(sample()) == 5)  // only the null-target row is skipped
        #expect(Array(x.features) == [1.5, 1, -1, 0, 0, 1, 4, 0, 8, 1])
        #expect(Array(x.targets) == [10, 20, 30, 40, 50])
        #expect(x.counts.nullFeatureRows == 0 && x.counts.nullLabelRows == 1)
    }

    @Test func intAndBoolClassLabels() throws {
        let s = Schema([Field("x", .float64), Field("k", .int64), Field("b", .bool)])
        let batch = MLTestData.batch(s, [[1.0, 3, true], [2.0, 1, false], [3.0, 2, true], [4.0, 3, nil]])
        let ints = FeatureExtractor(features: ["x"], target: .classification(column: "k", classes: ClassLabels([1, 3])))
        #expect(try ints.extract(batch) == 3)
        #expect(Array(ints.classIndices) == [1, 0, 1])
        #expect(ints.counts.unknownClassRows == 1)
        let bools = FeatureExtractor(features: ["x"], target: .classification(column: "b", classes: ClassLabels([false, true])))
        #expect(try bools.extract(batch) == 3)
        #expect(Array(bools.classIndices) == [1, 0, 1])
        #expect(bools.counts.nullLabelRows == 1)
    }

    @Test func manyStringClassesUseTheDictionary() throws {
        let names = (0..<20).map { "class-\($0)" }
        let s = Schema([Field("x", .float64), Field("c", .string)])
        let batch = MLTestData.batch(s, [[1.0, "class-17"], [2.0, "class-3"], [3.0, "nope"]])
        let x = FeatureExtractor(features: ["x"], target: .classification(column: "c", classes: ClassLabels(names.map { .string($0) })))
        #expect(try x.extract(batch) == 2)
        #expect(Array(x.classIndices) == [17, 3])
    }

    @Test func buffersAreReusedAcrossBatches() throws {
        let x = FeatureExtractor(features: ["a", "n"], capacity: 8)
        try x.extract(sample())
        let base = x.features.baseAddress
        try x.extract(sample())
        #expect(x.features.baseAddress == base)
        #expect(x.counts.rowsSeen == 12)
    }

    @Test func schemaProblemsAreReportedOnce() {
        #expect(throws: FeatureError.missingColumn("zz")) { try FeatureExtractor(features: ["zz"]).extract(sample()) }
        #expect(throws: FeatureError.unsupportedFeatureType(column: "label", type: .string)) {
            try FeatureExtractor(features: ["label"]).extract(sample())
        }
        #expect(throws: FeatureError.self) {
            try FeatureExtractor(features: ["a"], target: .classification(column: "y", classes: ClassLabels(count: 2))).extract(sample())
        }
        #expect(throws: FeatureError.self) {
            try FeatureExtractor(features: ["a"], target: .classification(column: "label", classes: ClassLabels(count: 2))).extract(sample())
        }
    }

    @Test func classLabelsEncodeAsBareJSONValues() throws {
        let labels = ClassLabels([1, "spam", true])
        let data = try JSONEncoder().encode(labels)
        #expect(String(decoding: data, as: UTF8.self) == #"[1,"spam",true]"#)
        #expect(try JSONDecoder().decode(ClassLabels.self, from: data) == labels)
    }
}
