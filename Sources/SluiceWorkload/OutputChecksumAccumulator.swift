#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads pipeline output rows and accumulates `verify.py`'s checksum over them.
///
/// Rows are `sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat`; extra
/// columns are ignored. Like `verify.py` it skips blank lines and header lines (starting
/// with `sensor_id` or `"sensor_id`), strips `"` around the sensor id, reads
/// `window_start` and `cnt` as `int(float(text))`, and sums the four float columns with
/// ``ExactSum``. Lines end with `\n` (a `\r` before it is dropped). A row `verify.py` could
/// not parse either (fewer than 7 fields, a non-number) throws
/// ``WorkloadError/malformedRow(path:line:reason:)``; so do integer fields beyond ±2^53.
///
/// Files are read in 4 MiB chunks and parsed in place: each number is NUL-terminated
/// for `strtod` by overwriting its delimiter for the duration of the call.
struct OutputChecksumAccumulator {
    private var rows = 0
    private var totalCount = 0
    private var windowSum = 0
    private var duplicates = 0
    private var features = ExactSum()
    private var means = ExactSum()
    private var minimums = ExactSum()
    private var maximums = ExactSum()
    private var keys = RowKeySet()

    private static let chunkSize = 4 << 20

    var checksum: WorkloadChecksum {
        WorkloadChecksum(rows: rows, totalCount: totalCount, winSum: windowSum, duplicateKeys: duplicates,
                         sumFeat: features.value, sumMeanTempZ: means.value,
                         sumMinTempZ: minimums.value, sumMaxTempZ: maximums.value)
    }

    /// Accumulates the rows of the file at `path`.
    mutating func consumeFile(at path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WorkloadError.io(path: path, operation: "open", code: errno) }
        defer { _ = close(fd) }
        var capacity = Self.chunkSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        while true {
            if filled == capacity {
                // One line longer than the buffer: grow it.
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity + 1)
                bigger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw WorkloadError.io(path: path, operation: "read", code: errno)
            }
            if n == 0 {
                if filled > 0 {
                    lineNumber += 1
                    try consumeLine(buffer, filled, path: path, lineNumber: lineNumber)
                }
                return
            }
            filled += n
            let consumed = try consumeLines(buffer, filled, path: path, lineNumber: &lineNumber)
            if consumed > 0 {
                (buffer).update(from: buffer + consumed, count: filled - consumed)
                filled -= consumed
            }
        }
    }

    /// Accumulates the rows in `bytes` (a whole file's contents); `name` labels errors.
    mutating func consume(bytes: [UInt8], name: String) throws {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 1)
        defer { buffer.deallocate() }
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: bytes.count) }
        }
        var lineNumber = 0
        let consumed = try consumeLines(buffer, bytes.count, path: name, lineNumber: &lineNumber)
        if consumed < bytes.count {
            lineNumber += 1
            try consumeLine(buffer + consumed, bytes.count - consumed, path: name, lineNumber: lineNumber)
        }
    }

    /// Consumes the complete (newline-terminated) lines in `buffer[0..<count]`;
    /// returns the number of bytes consumed.
    private mutating func consumeLines(_ buffer: UnsafeMutablePointer<UInt8>, _ count: Int,
                                       path: String, lineNumber: inout Int) throws -> Int {
        var start = 0
        while start < count {
            guard let newline = memchr(buffer + start, Int32(UInt8(ascii: "\n")), count - start) else { break }
            let end = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            lineNumber += 1
            try consumeLine(buffer + start, end - start, path: path, lineNumber: lineNumber)
            start = end + 1
        }
        return start
    }

    /// One line without its `\n`; the byte at `line[length]` must be writable.
    private mutating func consumeLine(_ line: UnsafeMutablePointer<UInt8>, _ length: Int,
                                      path: String, lineNumber: Int) throws {
        var length = length
        while length > 0 && line[length - 1] == UInt8(ascii: "\r") { length -= 1 }
        if (0..<length).allSatisfy({ Self.isWhitespace(line[$0]) }) { return }
        if Self.hasPrefix(line, length, "sensor_id") || Self.hasPrefix(line, length, "\"sensor_id") { return }

        var ends = (0, 0, 0, 0, 0, 0, 0)
        var fields = 0
        withUnsafeMutableBytes(of: &ends) { raw in
            let slots = raw.bindMemory(to: Int.self)
            var i = 0
            while i < length && fields < 7 {
                if line[i] == UInt8(ascii: ",") {
                    slots[fields] = i
                    fields += 1
                }
                i += 1
            }
            if fields < 7 {
                slots[fields] = length
                fields += 1
            }
        }
        guard fields == 7 else {
            throw WorkloadError.malformedRow(path: path, line: lineNumber,
                                             reason: "expected 7 comma-separated fields, found \(fields)")
        }
        func fail(_ what: String) -> WorkloadError {
            .malformedRow(path: path, line: lineNumber, reason: "\(what) is not a number")
        }

        // sensor id, without surrounding quotes
        var idStart = 0
        var idEnd = ends.0
        while idStart < idEnd && line[idStart] == UInt8(ascii: "\"") { idStart += 1 }
        while idEnd > idStart && line[idEnd - 1] == UInt8(ascii: "\"") { idEnd -= 1 }

        guard let window = Self.integer(line, from: ends.0 + 1, to: ends.1) else { throw fail("window_start") }
        guard let count = Self.integer(line, from: ends.1 + 1, to: ends.2) else { throw fail("cnt") }
        guard let mean = Self.double(line, from: ends.2 + 1, to: ends.3) else { throw fail("mean_temp_z") }
        guard let minimum = Self.double(line, from: ends.3 + 1, to: ends.4) else { throw fail("min_temp_z") }
        guard let maximum = Self.double(line, from: ends.4 + 1, to: ends.5) else { throw fail("max_temp_z") }
        guard let feature = Self.double(line, from: ends.5 + 1, to: ends.6) else { throw fail("sum_feat") }

        if !keys.insert(id: line + idStart, length: idEnd - idStart, window: Int64(window)) {
            duplicates += 1
        }
        rows += 1
        totalCount += count
        windowSum += Self.floorDivide(window - Int(Workload.firstTimestamp), Int(Workload.windowMilliseconds))
        means.add(mean)
        minimums.add(minimum)
        maximums.add(maximum)
        features.add(feature)
    }

    /// `int(float(text))`: plain decimal integers directly, anything else through ``double``.
    private static func integer(_ line: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        let negative = i < end && line[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        if i < end && end - i <= 15 {
            var value = 0
            var j = i
            while j < end, line[j] >= UInt8(ascii: "0"), line[j] <= UInt8(ascii: "9") {
                value = value * 10 + Int(line[j] - UInt8(ascii: "0"))
                j += 1
            }
            if j == end { return negative ? -value : value }
        }
        guard let value = double(line, from: start, to: end), value.magnitude <= 9_007_199_254_740_992 else {
            return nil
        }
        return Int(value.rounded(.towardZero))
    }

    /// `float(text)`: `strtod` on the field, NUL-terminated in place; surrounding
    /// whitespace allowed, nothing else.
    private static func double(_ line: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int) -> Double? {
        let saved = line[end]
        line[end] = 0
        defer { line[end] = saved }
        var stop: UnsafeMutablePointer<CChar>?
        let value = (line + start).withMemoryRebound(to: CChar.self, capacity: end - start + 1) { text in
            strtod(text, &stop)
        }
        guard let stop else { return nil }
        var next = line.distance(to: UnsafeMutableRawPointer(stop).assumingMemoryBound(to: UInt8.self))
        if next == start { return nil }
        while next < end && isWhitespace(line[next]) { next += 1 }
        return next == end ? value : nil
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0d) || (byte >= 0x1c && byte <= 0x1f)
    }

    private static func hasPrefix(_ line: UnsafeMutablePointer<UInt8>, _ length: Int, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        return length >= n && memcmp(line, prefix.utf8Start, n) == 0
    }
}
