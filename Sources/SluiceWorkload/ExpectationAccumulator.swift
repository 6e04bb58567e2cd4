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
    private var groupCount: [Int]
    private var groupSum: [ExactSum]
    private var groupMin: [Double]
    private var groupMax: [Double]
    private var touched: [Int] = []

    init() {
        let n = Workload.sensorCount
        groupCount = [Int](repeating: 0, count: n)
        groupSum = [ExactSum](repeating: ExactSum(), count: n)
        groupMin = [Double](repeating: 0, count: n)
        groupMax = [Double](repeating: 0, count: n)
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
        if groupCount[s] == 0 {
            touched.append(s)
            groupCount[s] = 1
            groupSum[s].add(tempZ)
            groupMin[s] = tempZ
            groupMax[s] = tempZ
        } else {
            groupCount[s] += 1
            groupSum[s].add(tempZ)
            if tempZ < groupMin[s] { groupMin[s] = tempZ }
            if tempZ > groupMax[s] { groupMax[s] = tempZ }
        }
    }

    private mutating func flush(_ window: Int64) {
        let windowIndex = Int((window - Workload.firstTimestamp) / Workload.windowMilliseconds)
        for s in touched {
            rows += 1
            totalCount += groupCount[s]
            windowSum += windowIndex
            means.add(groupSum[s].value / Double(groupCount[s]))
            minimums.add(groupMin[s])
            maximums.add(groupMax[s])
            groupCount[s] = 0
            groupSum[s].reset()
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
