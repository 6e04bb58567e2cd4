import Foundation
import Testing
import SluiceML

/// The type-erased detector forwards exactly and saves its kind.
@Suite struct AnyDriftDetectorTests {
    @Test func forwardsToTheWrappedDetector() {
        let values = driftStream(seed: 21, .bernoulli(0.1), .bernoulli(0.4))
        var adwin = ADWIN(), ph = PageHinkley(), ddm = DDM()
        var wrapped: [AnyDriftDetector] = [.adwin(ADWIN()), .pageHinkley(PageHinkley()), .ddm(DDM())]
        #expect(driftSignals(&wrapped[0], values) == driftSignals(&adwin, values))
        #expect(driftSignals(&wrapped[1], values) == driftSignals(&ph, values))
        #expect(driftSignals(&wrapped[2], values) == driftSignals(&ddm, values))
        #expect(wrapped == [.adwin(adwin), .pageHinkley(ph), .ddm(ddm)])
        #expect(wrapped.map(\.detectionCount) == [adwin.detectionCount, ph.detectionCount, ddm.detectionCount])
        wrapped[0].reset()
        #expect(wrapped[0] == .adwin(ADWIN()))
    }

    @Test func savesItsKind() throws {
        var detectors: [AnyDriftDetector] = [.adwin(ADWIN(delta: 0.01)), .pageHinkley(PageHinkley(direction: .both)), .ddm(DDM())]
        let values = driftStream(seed: 2, .bernoulli(0.2), count: 3_000)
        for i in detectors.indices { _ = driftSignals(&detectors[i], values) }
        let data = try JSONEncoder().encode(detectors)
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(json.map { $0["kind"] as? String } == ["adwin", "page_hinkley", "ddm"])
        #expect(try JSONDecoder().decode([AnyDriftDetector].self, from: data) == detectors)
    }

    @Test func unknownKindIsRejected() {
        let data = Data(#"{"kind":"kswin","state":{}}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnyDriftDetector.self, from: data) }
    }
}
