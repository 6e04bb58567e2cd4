import Foundation
import Testing
@testable import Sluice

/// HyperLogLog stays within three standard errors (1.04 / sqrt(4096) = 1.6 %) over cardinalities.
@Suite struct DistinctCountSketchTests {
    @Test(arguments: [1, 10, 200, 1_000, 10_000, 100_000, 1_000_000])
    func relativeErrorWithinThreeStandardErrors(n: Int) {
        let s = DistinctCountSketch()
        for i in 0..<n { s.insert(hash: DistinctCountSketch.hash(Int64(i) &* 2_654_435_761)) }
        for i in 0..<min(n, 1000) { s.insert(hash: DistinctCountSketch.hash(Int64(i) &* 2_654_435_761)) }  // repeats change nothing
        let error = abs(s.estimate - Double(n)) / Double(n)
        #expect(error <= 3 * 1.04 / 64, "n \(n): estimate \(s.estimate)")
        if n <= 256 { #expect(s.estimate == Double(n)) }  // exact while sparse
    }

    @Test func mergeEqualsTheUnion() {
        let a = DistinctCountSketch(), b = DistinctCountSketch(), whole = DistinctCountSketch()
        for i in 0..<60_000 {
            let h = DistinctCountSketch.hash(Double(i))
            whole.insert(hash: h)
            if i < 40_000 { a.insert(hash: h) }
            if i >= 20_000 { b.insert(hash: h) }
        }
        a.merge(b)
        #expect(a.estimate == whole.estimate)
        let small = DistinctCountSketch()
        small.insert(hash: 1)
        a.merge(small)
        #expect(abs(a.estimate - 60_000) / 60_000 < 0.05)
    }

    @Test func stringsAndSmallState() {
        let s = DistinctCountSketch()
        for word in ["ok", "err", "ok", "warn"] {
            var w = word
            w.withUTF8 { s.insert(hash: DistinctCountSketch.hash(bytes: $0.baseAddress!, count: $0.count)) }
        }
        #expect(s.estimate == 3)
        #expect(s.byteSize < 100)
    }

    @Test func codableRoundTrip() throws {
        for n in [5, 50_000] {
            let s = DistinctCountSketch()
            for i in 0..<n { s.insert(hash: DistinctCountSketch.hash(Int64(i))) }
            let back = try JSONDecoder().decode(DistinctCountSketch.self, from: JSONEncoder().encode(s))
            #expect(back.estimate == s.estimate)
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DistinctCountSketch.self, from: Data(#"{"precision": 12, "registers": [1]}"#.utf8)) }
    }
}
