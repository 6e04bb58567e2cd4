/// The fixed constants of the canonical workload (`shared/WORKLOAD.md`).
///
/// They are part of the workload's definition: changing any of them changes every
/// generated file and expected checksum.
public enum Workload {
    /// Event time of event 0, epoch milliseconds; event *i* has `firstTimestamp + i`.
    /// Divisible by ``windowMilliseconds``, so windows start at event 0.
    public static let firstTimestamp: Int64 = 1_700_000_000_000
    /// Size of the tumbling event-time window, milliseconds.
    public static let windowMilliseconds: Int64 = 10_000
    /// Number of distinct sensors (`s0000` … `s0999`).
    public static let sensorCount = 1000
    /// The seed the published expected values are for.
    public static let defaultSeed: UInt64 = 42
    /// The CSV input header line (without its newline).
    public static let csvHeader = "sensor_id,ts,temp,humidity,status"
    /// The pipeline output's columns, as `verify.py` reads them.
    public static let outputHeader = "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat"

    /// Start of the tumbling window that contains `timestamp` (aligned to the epoch).
    public static func windowStart(of timestamp: Int64) -> Int64 {
        let r = timestamp % windowMilliseconds
        return timestamp - (r < 0 ? r + windowMilliseconds : r)
    }
}
