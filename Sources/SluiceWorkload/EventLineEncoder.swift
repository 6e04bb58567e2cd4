/// Formats events as the bytes of their CSV or NDJSON line, by hand, for speed.
///
/// The generator writes ~1 GB for 10 M events, so lines are built directly into a byte
/// buffer without `String`. The caller guarantees at least ``maxLineLength`` free bytes at
/// the write position. Numbers follow `gen_events.py`: integers in decimal, centi values as
/// `"%d.%02d"` of the magnitude with a leading `-` when negative (`-5` → `-0.05`).
enum EventLineEncoder {
    /// An upper bound on the bytes of one line in either format.
    static let maxLineLength = 160

    /// Writes `event`'s CSV line (with `\n`) at `base + offset`; returns the offset after it.
    @inline(__always)
    static func writeCSV(_ event: WorkloadEvent, to base: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
        var i = offset
        writeSensorID(event.sensor, base, &i)
        base[i] = UInt8(ascii: ","); i += 1
        writeInteger(event.timestamp, base, &i)
        base[i] = UInt8(ascii: ","); i += 1
        if let temp = event.temperatureCenti { writeCenti(temp, base, &i) }
        base[i] = UInt8(ascii: ","); i += 1
        writeCenti(event.humidityCenti, base, &i)
        if event.isOK {
            put(",ok\n", base, &i)
        } else {
            put(",err\n", base, &i)
        }
        return i
    }

    /// Writes `event`'s NDJSON line (with `\n`) at `base + offset`; returns the offset after it.
    @inline(__always)
    static func writeNDJSON(_ event: WorkloadEvent, to base: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
        var i = offset
        put("{\"sensor_id\":\"", base, &i)
        writeSensorID(event.sensor, base, &i)
        put("\",\"ts\":", base, &i)
        writeInteger(event.timestamp, base, &i)
        put(",\"temp\":", base, &i)
        if let temp = event.temperatureCenti {
            writeCenti(temp, base, &i)
        } else {
            put("null", base, &i)
        }
        put(",\"humidity\":", base, &i)
        writeCenti(event.humidityCenti, base, &i)
        if event.isOK {
            put(",\"status\":\"ok\"}\n", base, &i)
        } else {
            put(",\"status\":\"err\"}\n", base, &i)
        }
        return i
    }

    /// The line as a `String` (slow path, for single events).
    static func string(for event: WorkloadEvent, format: WorkloadFormat) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLineLength) { buffer in
            let base = buffer.baseAddress!
            let end = format == .csv ? writeCSV(event, to: base, at: 0) : writeNDJSON(event, to: base, at: 0)
            return String(decoding: UnsafeBufferPointer(start: base, count: end), as: UTF8.self)
        }
    }

    @inline(__always)
    private static func put(_ text: StaticString, _ base: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        let n = text.utf8CodeUnitCount
        (base + i).update(from: text.utf8Start, count: n)
        i += n
    }

    /// `s%04d`.
    @inline(__always)
    private static func writeSensorID(_ sensor: Int, _ base: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        guard sensor >= 0 && sensor < 10_000 else {
            base[i] = UInt8(ascii: "s"); i += 1
            writeInteger(Int64(sensor), base, &i)
            return
        }
        let zero = UInt8(ascii: "0")
        base[i] = UInt8(ascii: "s")
        base[i + 1] = zero + UInt8(sensor / 1000)
        base[i + 2] = zero + UInt8(sensor / 100 % 10)
        base[i + 3] = zero + UInt8(sensor / 10 % 10)
        base[i + 4] = zero + UInt8(sensor % 10)
        i += 5
    }

    /// `%d`.
    @inline(__always)
    private static func writeInteger(_ value: Int64, _ base: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        if value < 0 {
            base[i] = UInt8(ascii: "-"); i += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10_000 { probe /= 10_000; digits += 4 }
        if probe >= 100 { probe /= 100; digits += 2 }
        if probe >= 10 { digits += 1 }
        var position = i + digits
        let zero = UInt8(ascii: "0")
        while magnitude >= 100 {
            let pair = magnitude % 100
            magnitude /= 100
            position -= 2
            base[position] = zero &+ UInt8(truncatingIfNeeded: pair / 10)
            base[position + 1] = zero &+ UInt8(truncatingIfNeeded: pair % 10)
        }
        if magnitude >= 10 {
            base[position - 2] = zero &+ UInt8(truncatingIfNeeded: magnitude / 10)
            base[position - 1] = zero &+ UInt8(truncatingIfNeeded: magnitude % 10)
        } else {
            base[position - 1] = zero &+ UInt8(truncatingIfNeeded: magnitude)
        }
        i += digits
    }

    /// `"%d.%02d" % (c // 100, c % 100)` for `c >= 0`, `"-" +` that of `-c` otherwise.
    @inline(__always)
    private static func writeCenti(_ centi: Int, _ base: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        if centi < 0 {
            base[i] = UInt8(ascii: "-"); i += 1
        }
        let magnitude = centi.magnitude
        writeInteger(Int64(magnitude / 100), base, &i)
        let fraction = magnitude % 100
        base[i] = UInt8(ascii: ".")
        base[i + 1] = UInt8(ascii: "0") + UInt8(fraction / 10)
        base[i + 2] = UInt8(ascii: "0") + UInt8(fraction % 10)
        i += 3
    }
}
