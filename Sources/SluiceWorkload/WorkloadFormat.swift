/// An input file format the generator can write.
public enum WorkloadFormat: String, CaseIterable, Sendable {
    /// `events_<N>.csv`: header `sensor_id,ts,temp,humidity,status`; a null temp is an empty field.
    case csv
    /// `events_<N>.ndjson`: one JSON object per line; a null temp is `null`.
    case ndjson

    /// The file extension, without the dot.
    public var fileExtension: String { rawValue }
}
