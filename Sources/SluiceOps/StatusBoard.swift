import Foundation
import Sluice

/// What the status page shows, kept for the last minutes: one sample a second of the run's totals
/// (the page derives rates), consumer lag and watermark; per-partition positions and watermarks; for
/// `train`, the model's metric over time with drift and promotion markers. Thread-safe.
public final class StatusBoard: @unchecked Sendable {
    // Safe: every mutable field is accessed with `lock` held.
    public struct Sample: Codable, Sendable {
        public var t: Int64
        public var recordsIn: Int64
        public var recordsOut: Int64
        public var deadLettered: Int64
        public var lag: Int64?
        public var watermark: Int64?

        public init(t: Int64, recordsIn: Int64, recordsOut: Int64, deadLettered: Int64, lag: Int64?, watermark: Int64?) {
            self.t = t
            self.recordsIn = recordsIn
            self.recordsOut = recordsOut
            self.deadLettered = deadLettered
            self.lag = lag
            self.watermark = watermark
        }
    }

    public struct Partition: Codable, Sendable {
        public var partition: Int
        public var position: Int64
        public var watermark: Int64?
        public var owner: String?

        public init(partition: Int, position: Int64, watermark: Int64?, owner: String?) {
            self.partition = partition
            self.position = position
            self.watermark = watermark
            self.owner = owner
        }
    }

    public struct Point: Codable, Sendable {
        public var t: Int64
        public var records: Int64
        public var value: Double

        public init(t: Int64, records: Int64, value: Double) {
            self.t = t
            self.records = records
            self.value = value
        }
    }

    public struct Marker: Codable, Sendable {
        public var t: Int64
        public var records: Int64
        /// `drift` or `promotion`.
        public var kind: String
        public var label: String

        public init(t: Int64, records: Int64, kind: String, label: String) {
            self.t = t
            self.records = records
            self.kind = kind
            self.label = label
        }
    }

    private struct Snapshot: Codable {
        var verb: String
        var name: String
        var startedAt: Int64
        var now: Int64
        var details: [String: String]
        var samples: [Sample]
        var partitions: [Partition]
        var metricName: String?
        var curve: [Point]
        var markers: [Marker]
    }

    private let lock = Monitor()
    private let verb: String
    private let name: String
    private let startedAt = StatusBoard.now()
    private let keepSeconds: Int
    private var details: [String: String] = [:]
    private var samples: [Sample] = []
    private var partitions: [Int: Partition] = [:]
    private var metricName: String?
    private var curve: [Point] = []
    private var markers: [Marker] = []

    /// - Parameters: verb: `run`, `train`, `broker`; name: the pipeline or model; keepSeconds: the history kept.
    public init(verb: String, name: String, keepSeconds: Int = 600) {
        self.verb = verb
        self.name = name
        self.keepSeconds = keepSeconds
    }

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func set(_ key: String, _ value: String) { lock.withLock { details[key] = value } }

    public func add(_ sample: Sample) {
        lock.withLock {
            samples.append(sample)
            if samples.count > keepSeconds { samples.removeFirst(samples.count - keepSeconds) }
        }
    }

    public func setPartitions(_ list: [Partition]) {
        lock.withLock { partitions = Dictionary(uniqueKeysWithValues: list.map { ($0.partition, $0) }) }
    }

    /// `train`: one point of the model's metric curve (at most 2000 kept, thinned evenly when full).
    public func addPoint(_ point: Point, metric: String) {
        lock.withLock {
            metricName = metric
            curve.append(point)
            if curve.count > 2000 { curve = curve.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) }
        }
    }

    public func addMarker(_ marker: Marker) {
        lock.withLock {
            markers.append(marker)
            if markers.count > 200 { markers.removeFirst(markers.count - 200) }
        }
    }

    public var latestSample: Sample? { lock.withLock { samples.last } }

    /// `/status.json`.
    public func json() -> [UInt8] {
        let snapshot = lock.withLock {
            Snapshot(verb: verb, name: name, startedAt: startedAt, now: Self.now(), details: details, samples: samples,
                     partitions: partitions.values.sorted { $0.partition < $1.partition }, metricName: metricName, curve: curve, markers: markers)
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array((try? encoder.encode(snapshot)) ?? Data("{}".utf8))
    }
}
