/// What a run did, printed at the end of `sluice run` (and as JSON with `--summary-json`).
public struct RunSummary: Codable, Sendable {
    public struct Rejections: Codable, Sendable {
        public var reason: String
        public var rule: String
        public var count: Int
    }

    public var pipeline: String
    public var recordsIn: Int64
    public var recordsOut: Int64
    public var deadLettered: Int
    public var deadLetterReasons: [Rejections]
    public var bytesIn: Int64
    public var seconds: Double
    public var windowsEmitted: Int
    public var stateBytes: Int
    /// Peak resident memory of the whole process, at the end of the run.
    public var peakRSSBytes: Int
    /// Parallel runs: rows each shard's keyed stage processed, and the skew (max / mean).
    public var shards: [Int]? = nil
    public var shardSkew: Double? = nil
    /// Runs with `enrich` steps: matches, misses and cache counters per step (see ``EnrichStatistics``).
    public var enrichments: [EnrichStatistics]? = nil

    public var eventsPerSecond: Double { seconds > 0 ? Double(recordsIn) / seconds : 0 }

    /// Records in = out of the source = processed + dead-lettered (for pipelines without windows, out + dead-lettered).
    public func render() -> String {
        var lines: [String] = []
        lines.append("pipeline \(pipeline): \(recordsIn) records in, \(recordsOut) out, \(deadLettered) dead-lettered")
        for r in deadLetterReasons {
            lines.append("  \(r.reason.padding(16)) \(String(r.count).leftPadding(10))  \(r.rule)")
        }
        let rate = eventsPerSecond
        let mb = Double(bytesIn) / 1_048_576
        lines.append("  \(fixed(seconds, 3)) s, \(formatRate(rate)) events/s, \(fixed(mb, 1)) MiB in (\(fixed(seconds > 0 ? mb / seconds : 0, 1)) MiB/s)")
        if windowsEmitted > 0 { lines.append("  \(windowsEmitted) windows closed") }
        if stateBytes > 0 { lines.append("  keyed state at end: \(fixed(Double(stateBytes) / 1_048_576, 2)) MiB") }
        if let shards, let shardSkew {
            lines.append("  \(shards.count) shards, rows per shard: \(shards.map(String.init).joined(separator: " / ")), skew \(fixed(shardSkew, 2)) (max / mean)")
        }
        for e in enrichments ?? [] { lines.append(contentsOf: e.summaryLines) }
        lines.append("  peak RSS \(fixed(Double(peakRSSBytes) / 1_048_576, 1)) MiB")
        return lines.joined(separator: "\n")
    }
}

/// `1234567` → `1.23 M`.
public func formatRate(_ rate: Double) -> String {
    if rate >= 1_000_000 { return fixed(rate / 1_000_000, 2) + " M" }
    if rate >= 1000 { return fixed(rate / 1000, 1) + " k" }
    return fixed(rate, 0)
}

/// `1234567` → `1.2 MB` (decimal units, for sizes in logs and reports).
public func formatBytes(_ bytes: Int) -> String {
    let b = Double(bytes)
    if b >= 1e9 { return fixed(b / 1e9, 2) + " GB" }
    if b >= 1e6 { return fixed(b / 1e6, 1) + " MB" }
    if b >= 1e3 { return fixed(b / 1e3, 1) + " KB" }
    return "\(bytes) B"
}

/// `x` with exactly `decimals` digits after the point (no Foundation needed).
public func fixed(_ x: Double, _ decimals: Int) -> String {
    guard x.isFinite else { return String(x) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (Swift.abs(x) * scale).rounded()
    guard scaled < 9e18 else { return String(x) }
    let n = Int64(scaled)
    let intPart = n / Int64(scale), frac = n % Int64(scale)
    var s = (x < 0 && n != 0 ? "-" : "") + String(intPart)
    if decimals > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: decimals - f.count) + f
    }
    return s
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
