import Foundation
import Testing
@testable import SluiceML

/// Versions are readable JSON that load back exactly; promotion moves only the pointer.
@Suite struct ModelRegistryTests {
    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sluice-registry-\(UUID().uuidString)").path
    }

    func trainedModel() -> LogisticRegression {
        var stream = HyperplaneConcepts(seed: 3)
        var model = LogisticRegression(featureCount: 5, classes: ClassLabels(count: 2))
        for s in stream.samples(3000) { model.learn(s.features, label: s.label) }
        return model
    }

    @Test func aSavedVersionPredictsExactlyTheSame() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let registry = try ModelRegistry(directory: dir)
        let model = trainedModel()
        try registry.save(ModelVersion(version: try registry.nextVersion(), parent: nil, reason: "initial", trainedFrom: 0, trainedThrough: 2999,
                                       metrics: ["accuracy": 0.9], hyperParameters: ["learning_rate": "0.02"], model: model))
        var loaded = try registry.load(1).model
        var original = model
        var stream = HyperplaneConcepts(seed: 99)
        for s in stream.samples(500) {
            #expect(loaded.predictProbabilities(s.features) == original.predictProbabilities(s.features))
            loaded.learn(s.features, label: s.label)  // the optimizer state came back too
            original.learn(s.features, label: s.label)
        }
        #expect(loaded == original)
        let text = try String(contentsOfFile: dir + "/v000001.json", encoding: .utf8)
        #expect(text.contains("\"reason\" : \"initial\""))
        #expect(text.contains("\"trained_through\" : 2999"))
    }

    @Test func promoteListAndErrors() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let registry = try ModelRegistry(directory: dir)
        #expect(try registry.current() == nil)
        for v in 1...3 {
            try registry.save(ModelVersion(version: v, parent: v > 1 ? v - 1 : nil, reason: "every-n", trainedFrom: 0, trainedThrough: v,
                                           metrics: [:], hyperParameters: [:], model: trainedModel()))
        }
        try registry.promote(3)
        try registry.promote(1)  // reinstate an earlier version
        #expect(try registry.current() == 1)
        #expect(try registry.versions() == [1, 2, 3])
        #expect(throws: RegistryError.self) { try registry.promote(7) }
        #expect(throws: RegistryError.self) {
            try registry.save(ModelVersion(version: 2, parent: nil, reason: "x", trainedFrom: 0, trainedThrough: 0, metrics: [:], hyperParameters: [:], model: trainedModel()))
        }
        try "not json".write(toFile: dir + "/v000004.json", atomically: true, encoding: .utf8)
        #expect(throws: RegistryError.self) { try registry.load(4) }
        #expect(throws: RegistryError.self) { try ModelRegistry(directory: dir + "/missing", create: false) }
    }
}
