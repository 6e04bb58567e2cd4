/// One generated input event, in the exact integer form the generator draws it.
///
/// Temperature and humidity are kept in hundredths (the files print exactly two decimals),
/// so formatting is exact and the double a parser reads from the text is
/// `Double(centi) / 100.0`, as ``temperature`` and ``humidity`` return.
public struct WorkloadEvent: Equatable, Hashable, Sendable {
    /// Sensor number, `0..<Workload.sensorCount`; its id is ``sensorID``.
    public var sensor: Int
    /// Event time, epoch milliseconds.
    public var timestamp: Int64
    /// Temperature in hundredths of a degree, or `nil` for a null temperature.
    public var temperatureCenti: Int?
    /// Humidity in hundredths of a percent (outside 0...10000 for a dirty event).
    public var humidityCenti: Int
    /// `true` for status `"ok"`, `false` for `"err"`.
    public var isOK: Bool

    /// Creates an event from its fields.
    public init(sensor: Int, timestamp: Int64, temperatureCenti: Int?, humidityCenti: Int, isOK: Bool) {
        self.sensor = sensor
        self.timestamp = timestamp
        self.temperatureCenti = temperatureCenti
        self.humidityCenti = humidityCenti
        self.isOK = isOK
    }

    /// The sensor id as written in the files, `s0000` … `s0999`.
    public var sensorID: String {
        let digits = String(sensor)
        return "s" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The temperature as any correct parser reads it from the file, or `nil` if null.
    public var temperature: Double? {
        temperatureCenti.map { Double($0) / 100.0 }
    }

    /// The humidity as any correct parser reads it from the file.
    public var humidity: Double {
        Double(humidityCenti) / 100.0
    }

    /// The status text, `"ok"` or `"err"`.
    public var status: String {
        isOK ? "ok" : "err"
    }

    /// Whether the pipeline's cleaning step keeps this event: temperature not null and in
    /// [-50, 150], humidity in [0, 100], status ok (bounds inclusive).
    public var isClean: Bool {
        guard isOK, let temp = temperature else { return false }
        let hum = humidity
        return temp >= -50.0 && temp <= 150.0 && hum >= 0.0 && hum <= 100.0
    }

    /// The event's CSV line, with its newline, exactly as in `events_<N>.csv`.
    public var csvLine: String {
        EventLineEncoder.string(for: self, format: .csv)
    }

    /// The event's NDJSON line, with its newline, exactly as in `events_<N>.ndjson`.
    public var ndjsonLine: String {
        EventLineEncoder.string(for: self, format: .ndjson)
    }
}
