/// Why a record left the pipeline. Codes are stable and documented in the
/// README ("Dead letters"); users alert and filter on them.
public enum RejectionCode: String, Sendable, CaseIterable, Codable {
    // Decoding
    case malformedRecord = "malformed_record"
    case invalidValue = "invalid_value"
    case recordTooLong = "record_too_long"
    // Cleaning and normalization
    case missingRequired = "missing_required"
    case outOfRange = "out_of_range"
    case droppedByRule = "dropped_by_rule"
    case failedKeep = "failed_keep"
    case coercionFailed = "coercion_failed"
    case duplicate = "duplicate"
    case domainError = "domain_error"
    // Windows
    case lateEvent = "late_event"
    case missingKey = "missing_key"
    case missingTime = "missing_time"
    case lookupMiss = "lookup_miss"  // enrich: null key or key not in the lookup table (on_miss: reject)
}

/// A registered reason: a code plus the rule that applied it and the field it concerns.
public struct RejectionReason: Sendable, Hashable, CustomStringConvertible {
    public var code: RejectionCode
    public var rule: String
    public var field: String?

    public init(_ code: RejectionCode, rule: String, field: String? = nil) {
        self.code = code
        self.rule = rule
        self.field = field
    }

    public var description: String { "\(code.rawValue) [\(rule)]" }
}

/// Counts rejected records by reason and writes each one, with its reason,
/// the offending value and its source position, as an NDJSON line:
///
/// ```json
/// {"reason":"out_of_range","rule":"in_range(temp, -50.0...150.0)","field":"temp","value":"612.5",
///  "source":"events.csv","record":1042,"offset":36170,"data":"s0007,1700000001041,612.50,41.02,ok"}
/// ```
///
/// Operators register their reasons at plan compile time and reject by
/// reason id, so the per-record cost is a counter increment (plus the line,
/// for the rare rejected record).
///
/// Thread-safe: a parallel run's workers reject concurrently; rejections are
/// rare, so a lock per rejection costs nothing measurable. Register reasons
/// before the run starts.
public final class DeadLetters: @unchecked Sendable {
    // Safe: counts and output are only touched under `lock`; `reasons` only grows before a run starts.
    private let lock = Monitor()
    public private(set) var reasons: [RejectionReason] = []
    @exclusivity(unchecked) private var countsByReason: [Int] = []
    private let output: OutputBuffer?
    /// Where `late_event` lines go when they have an output of their own.
    private let lateOutput: OutputBuffer?
    /// Details are truncated to this many bytes of the original record.
    public var maxRecordBytes = 4096

    /// - Parameters:
    ///   - sink: where the lines go; `nil` only counts.
    ///   - lateSink: the late-data output: records too late for their window (`late_event`), in
    ///     the same line format, so they can be replayed into a correction job. `nil`: they go to
    ///     `sink` with the other rejections.
    public init(sink: (any ByteSink)?, lateSink: (any ByteSink)? = nil) {
        output = sink.map { OutputBuffer(sink: $0, capacity: 256 * 1024) }
        lateOutput = lateSink.map { OutputBuffer(sink: $0, capacity: 64 * 1024) }
    }

    public func register(_ reason: RejectionReason) -> Int {
        lock.withLock { registerLocked(reason) }
    }

    private func registerLocked(_ reason: RejectionReason) -> Int {
        if let i = reasons.firstIndex(of: reason) { return i }
        reasons.append(reason)
        countsByReason.append(0)
        return reasons.count - 1
    }

    public var total: Int { lock.withLock { countsByReason.reduce(0, +) } }

    public func count(_ reason: Int) -> Int { lock.withLock { countsByReason[reason] } }

    /// Counts per reason, in registration order, leaving out reasons never used.
    public var counts: [(reason: RejectionReason, count: Int)] {
        lock.withLock { zip(reasons, countsByReason).filter { $0.1 > 0 }.map { ($0.0, $0.1) } }
    }

    public func count(of code: RejectionCode) -> Int {
        lock.withLock { zip(reasons, countsByReason).filter { $0.0.code == code }.reduce(0) { $0 + $1.1 } }
    }

    /// Rejects a decoded row of `batch`; `value` describes the offending value.
    public func reject(_ batch: Batch, row: Int, reason: Int, value: String? = nil, detail: String? = nil) throws {
        try lock.withLock { try rejectLocked(batch, row: row, reason: reason, value: value, detail: detail) }
    }

    private func rejectLocked(_ batch: Batch, row: Int, reason: Int, value: String?, detail: String?) throws {
        countsByReason[reason] += 1
        guard output != nil || lateOutput != nil else { return }
        try writeLine(reason: reasons[reason], value: value, detail: detail, source: batch.sourceName,
                      record: batch.recordNumbers[row], offset: batch.recordOffsets[row], data: batch.recordText(row))
    }

    /// Rejects a record that never became a row (it failed to decode).
    public func reject(source: String, record: Int64, offset: Int64, data: UnsafeRawBufferPointer, reason: Int, value: String? = nil, detail: String? = nil) throws {
        try lock.withLock { try rejectLocked(source: source, record: record, offset: offset, data: data, reason: reason, value: value, detail: detail) }
    }

    private func rejectLocked(source: String, record: Int64, offset: Int64, data: UnsafeRawBufferPointer, reason: Int, value: String?, detail: String?) throws {
        countsByReason[reason] += 1
        guard output != nil || lateOutput != nil else { return }
        try writeLine(reason: reasons[reason], value: value, detail: detail, source: source, record: record, offset: offset, data: data)
    }

    private func writeLine(reason: RejectionReason, value: String?, detail: String?, source: String, record: Int64, offset: Int64, data: UnsafeRawBufferPointer) throws {
        guard let out = reason.code == .lateEvent ? (lateOutput ?? output) : output else { return }
        try out.append("{\"reason\":\"")
        try out.append(reason.code.rawValue)
        try out.append("\",\"rule\":")
        try out.appendJSONString(reason.rule)
        if let field = reason.field {
            try out.append(",\"field\":")
            try out.appendJSONString(field)
        }
        if let value {
            try out.append(",\"value\":")
            try out.appendJSONString(value)
        }
        if let detail {
            try out.append(",\"detail\":")
            try out.appendJSONString(detail)
        }
        try out.append(",\"source\":")
        try out.appendJSONString(source)
        try out.append(",\"record\":")
        try out.append(int: record)
        try out.append(",\"offset\":")
        try out.append(int: offset)
        try out.append(",\"data\":\"")
        var n = data.count
        // Strip the line terminator; truncate long records.
        if let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            while n > 0, base[n - 1] == 0x0A || base[n - 1] == 0x0D { n -= 1 }
            let truncated = n > maxRecordBytes
            try out.appendJSONEscaped(base, min(n, maxRecordBytes))
            try out.append("\"")
            if truncated { try out.append(",\"truncated\":true") }
        } else {
            try out.append("\"")
        }
        try out.append("}\n")
    }

    public func flush() throws {
        try lock.withLock {
            try output?.flush()
            try lateOutput?.flush()
        }
    }
}
