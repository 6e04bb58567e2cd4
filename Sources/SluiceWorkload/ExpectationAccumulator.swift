/// Computes the expected pipeline checksum from the generated events themselves.
///
/// Mirrors `gen_events.py`: clean events are grouped per (sensor, 10 s window); since event
/// times increase, a window is complete when the first clean event of a later window
/// arrives. Per group the mean is `fsum(temp_z) / count` (so each group keeps its exact
/// partial sum), and the columns are summed with ``ExactSum`` like `math.fsum`, which makes
/// the row order irrelevant.
struct ExpectationAccumulator {
    private(set) var events = 0
    private(set) var dirty = 0
    private var rows = 0
    private var totalCount = 0
    private var windowSum = 0
    private var features = ExactSum()
    private var means = ExactSum()
    private var minimums = ExactSum()
    private var maximums = ExactSum()

    private var currentWindow: Int64?
    /// The current window's group of each sensor (count 0: no clean event yet).
    private var groups: [Group]
    /// Sensors with a group in the current window, in order of first event.
    private var touched: [Int] = []

    private struct Group {
        var count = 0
        var sum = ExactSum()
        var minimum = 0.0
        var maximum = 0.0

        mutating func add(_ tempZ: Double) {
            if count == 0 {
                minimum = tempZ
                maximum = tempZ
            } else {
                if tempZ < minimum { minimum = tempZ }
                if tempZ > maximum { maximum = tempZ }
            }
            count += 1
            sum.add(tempZ)
        }

        /// Empties the group, keeping the sum's storage.
        mutating func reset() {
            count = 0
            sum.reset()
        }
    }

    init() {
        groups = [Group](repeating: Group(), count: Workload.sensorCount)
    }

    /// Accounts for the next event (events must arrive in timestamp order).
    mutating func add(_ event: WorkloadEvent) {
        events += 1
        guard event.isClean, let temp = event.temperature else {
            dirty += 1
            return
        }
        let window = Workload.windowStart(of: event.timestamp)
        if window != currentWindow {
            if let previous = currentWindow { flush(previous) }
            currentWindow = window
        }
        let tempZ = (temp - 20.0) / 10.0
        let humN = event.humidity / 100.0
        features.add(tempZ * humN)
        let s = event.sensor
        if groups[s].count == 0 { touched.append(s) }
        groups[s].add(tempZ)
    }

    private mutating func flush(_ window: Int64) {
        let windowIndex = Int((window - Workload.firstTimestamp) / Workload.windowMilliseconds)
        for s in touched {
            rows += 1
            totalCount += groups[s].count
            windowSum += windowIndex
            means.add(groups[s].sum.value / Double(groups[s].count))
            minimums.add(groups[s].minimum)
            maximums.add(groups[s].maximum)
            groups[s].reset()
        }
        touched.removeAll(keepingCapacity: true)
    }

    /// Closes the last window and returns the expectation for `seed`.
    mutating func finish(seed: UInt64) -> WorkloadExpectation {
        if let window = currentWindow {
            flush(window)
            currentWindow = nil
        }
        return WorkloadExpectation(
            nEvents: events, seed: seed, nDirty: dirty, rows: rows, totalCount: totalCount,
            winSum: windowSum, sumFeat: features.value, sumMeanTempZ: means.value,
            sumMinTempZ: minimums.value, sumMaxTempZ: maximums.value)
    }
}
