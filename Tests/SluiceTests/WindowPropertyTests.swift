import Testing
@testable import Sluice

/// For every window kind: a random stream delivered in order, the same stream shuffled within
/// the out-of-orderness bound, and a brute-force reference computed from the whole stream all
/// give exactly the same windows, whatever the micro-batch sizes. Values are small integers, so
/// sums are exact and "the same" means equal text.
@Suite struct WindowPropertyTests {
    typealias Record = (key: String, time: Int64, value: Double)

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let aggregates = [Count(), Sum("x", as: "sum"), Min("x", as: "min"), Max("x", as: "max"), First("x", as: "first"), Last("x", as: "last")]

    /// Distinct, increasing event times (so first/last and count-window order are well defined).
    static func stream(_ rng: inout Random, count: Int) -> [Record] {
        var t = Int64(rng.int(100)) - 50
        return (0..<count).map { _ in
            t += 1 + Int64(rng.int(6))
            return ("k\(rng.int(4))", t, Double(rng.int(21) - 10))
        }
    }

    /// Arrival order sorted by `time + jitter` with jitter in `0...bound`: every record arrives
    /// at most `bound` behind the largest time before it.
    static func shuffle(_ records: [Record], bound: Int64, _ rng: inout Random) -> [Record] {
        records.map { ($0, $0.time + Int64(rng.int(Int(bound) + 1))) }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    static func batches(_ records: [Record], _ rng: inout Random) -> [[Record]] {
        var out: [[Record]] = []
        var i = 0
        while i < records.count {
            let n = 1 + rng.int(40)
            out.append(Array(records[i..<min(records.count, i + n)]))
            i += n
        }
        return out
    }

    static func line(_ key: String, _ start: Int64, _ end: Int64?, _ group: [Record]) -> String {
        let values = group.sorted { $0.time < $1.time }.map(\.value)
        let head = end.map { "\(key)@\(start)-\($0)" } ?? "\(key)@\(start)"
        func f(_ v: Double) -> String { String(Int64(v)) }
        return "\(head) cnt=\(group.count) sum=\(f(values.reduce(0, +))) min=\(f(values.min()!)) max=\(f(values.max()!)) first=\(f(values.first!)) last=\(f(values.last!))"
    }

    /// The windows of the whole stream, computed directly from the definitions.
    static func reference(_ kind: WindowKind, _ records: [Record], countTTL: Int64? = nil) -> [String] {
        let byKey = Dictionary(grouping: records, by: \.key).mapValues { $0.sorted { $0.time < $1.time } }
        var lines: [String] = []
        for (key, recs) in byKey {
            switch kind {
            case .tumbling(let size):
                let grouped = Dictionary(grouping: recs) { PaneWindowState.floorDiv($0.time, size.milliseconds) }
                for (k, g) in grouped { lines.append(line(key, k * size.milliseconds, nil, g)) }
            case .sliding(let size, let every):
                var windows: [Int64: [Record]] = [:]
                for r in recs {
                    let last = PaneWindowState.floorDiv(r.time, every.milliseconds)
                    var k = last
                    while k * every.milliseconds + size.milliseconds > r.time { windows[k, default: []].append(r); k -= 1 }
                }
                for (k, g) in windows { lines.append(line(key, k * every.milliseconds, nil, g)) }
            case .session(let gap):
                var group: [Record] = []
                for r in recs {
                    if let last = group.last, r.time >= last.time + gap.milliseconds {
                        lines.append(line(key, group[0].time, last.time + gap.milliseconds, group))
                        group = []
                    }
                    group.append(r)
                }
                lines.append(line(key, group[0].time, group.last!.time + gap.milliseconds, group))
            case .count(let n):
                // Chunks of n in time order; with a ttl, a gap of at least ttl also ends a chunk.
                var group: [Record] = []
                for r in recs {
                    if let ttl = countTTL, let last = group.last, last.time + ttl <= r.time {
                        lines.append(line(key, group[0].time, last.time, group))
                        group = []
                    }
                    group.append(r)
                    if group.count == n {
                        lines.append(line(key, group[0].time, r.time, group))
                        group = []
                    }
                }
                if !group.isEmpty { lines.append(line(key, group[0].time, group.last!.time, group)) }
            }
        }
        return lines.sorted()
    }

    static let kinds: [WindowKind] = [
        .tumbling(.milliseconds(20)),
        .sliding(size: .milliseconds(30), every: .milliseconds(10)),
        .sliding(size: .milliseconds(25), every: .milliseconds(10)),
        .session(gap: .milliseconds(12)),
        .count(3),
    ]

    @Test(arguments: 0..<kinds.count, 1...6)
    func shuffledWithinTheBoundMatchesInOrderAndTheReference(kindIndex: Int, seed: Int) throws {
        let kind = Self.kinds[kindIndex]
        var rng = Random(state: UInt64(seed * 7919 + kindIndex))
        let records = Self.stream(&rng, count: 150 + rng.int(150))
        let bound = Int64(rng.int(40))
        let script = WindowScript(kind, Self.aggregates) { $0.maxOutOfOrderness = .milliseconds(bound) }
        let expected = Self.reference(kind, records)

        let inOrder = try script.run(batches: Self.batches(records, &rng))
        #expect(inOrder.late.isEmpty)
        #expect(inOrder.rows.sorted() == expected)

        let shuffled = try script.run(batches: Self.batches(Self.shuffle(records, bound: bound, &rng), &rng))
        #expect(shuffled.late.isEmpty, "bound \(bound)")
        #expect(shuffled.rows.sorted() == expected, "bound \(bound)")
    }

    /// Many short-lived keys, with a decoder dictionary reset every 16 keys and the window's key
    /// space compacted as soon as it holds 8 ids: the same windows as the reference.
    @Test(arguments: 0..<kinds.count)
    func keySpaceCompactionAndDictionaryResetsChangeNothing(kindIndex: Int) throws {
        var rng = Random(state: UInt64(500 + kindIndex))
        var records = Self.stream(&rng, count: 600)
        for i in records.indices { records[i].key = "key-\(i / 7 + rng.int(3))" }  // ~90 keys, each alive briefly
        let ttl: TimeSpan? = if case .count = Self.kinds[kindIndex] { .milliseconds(40) } else { nil }
        var script = WindowScript(Self.kinds[kindIndex], Self.aggregates) { $0.maxOutOfOrderness = .milliseconds(15); $0.ttl = ttl }
        script.maxDecoderKeys = 16
        script.compactionThreshold = 8
        let result = try script.run(batches: Self.batches(Self.shuffle(records, bound: 15, &rng), &rng))
        #expect(result.late.isEmpty)
        #expect(result.compactions > 0)
        #expect(result.rows.sorted() == Self.reference(Self.kinds[kindIndex], records, countTTL: ttl?.milliseconds))
    }

    /// Beyond the bound, every record is either counted in its windows or reported late, never both
    /// and never neither.
    @Test(arguments: 0..<kinds.count)
    func everyRecordIsCountedOrReportedLate(kindIndex: Int) throws {
        var rng = Random(state: UInt64(99 + kindIndex))
        let records = Self.stream(&rng, count: 400)
        let arrivals = Self.shuffle(records, bound: 60, &rng)
        let result = try WindowScript(Self.kinds[kindIndex], Self.aggregates) { $0.maxOutOfOrderness = .milliseconds(10) }
            .run(batches: Self.batches(arrivals, &rng))
        #expect(!result.late.isEmpty)
        let counted = result.rows.map { row -> Int in Int(row.split(separator: " ")[1].dropFirst(4))! }.reduce(0, +)
        let late = result.late.count
        if case .sliding(let size, let every) = Self.kinds[kindIndex] {
            // A record belongs to several windows; those already closed beyond the lateness miss it
            // (it is reported late only when all of them have), so: counted at least once unless late.
            let copies = Int((size.milliseconds + every.milliseconds - 1) / every.milliseconds)
            #expect(counted >= records.count - late)
            #expect(counted <= (records.count - late) * copies)
        } else {
            #expect(counted + late == records.count)
        }
    }

    /// Beyond the bound, with and without allowed lateness: which windows a record counts in never
    /// depends on where micro-batches end (windows and sessions fire at the record whose watermark
    /// passes their end, not at the end of its micro-batch). One record per batch and random batches give the
    /// same final value per window — what a consumer that upserts by key keeps, and what a run
    /// resumed from a checkpoint (whose batches are cut elsewhere) must reproduce.
    @Test(arguments: 0..<kinds.count, [0, 25])
    func resultsDoNotDependOnMicroBatchBoundaries(kindIndex: Int, lateness: Int) throws {
        var rng = Random(state: UInt64(31 + kindIndex * 3 + lateness))
        let records = Self.stream(&rng, count: 400)
        let arrivals = Self.shuffle(records, bound: 60, &rng)
        let script = WindowScript(Self.kinds[kindIndex], Self.aggregates) {
            $0.maxOutOfOrderness = .milliseconds(10)
            if case .count = $0.kind {} else { $0.allowedLateness = .milliseconds(Int64(lateness)) }
        }
        func finalValues(_ rows: [String]) -> [String] {
            var last: [String: String] = [:]
            for row in rows {
                let window = String(row.split(separator: " ")[0])
                last[window] = row.split(separator: " ").filter { !["on_time", "late", "early"].contains($0) }.joined(separator: " ")
            }
            return last.values.sorted()
        }
        let oneByOne = try script.run(batches: arrivals.map { [$0] })
        let random = try script.run(batches: Self.batches(arrivals, &rng))
        if lateness == 0 { #expect(!oneByOne.late.isEmpty) }
        #expect(random.late.sorted() == oneByOne.late.sorted())
        let a = finalValues(random.rows), b = finalValues(oneByOne.rows)
        #expect(a == b, "random batches only: \(Set(a).subtracting(b).sorted().prefix(4)); one by one only: \(Set(b).subtracting(a).sorted().prefix(4))")
    }
}
