/// An exactly rounded floating-point sum: CPython's `math.fsum`, incrementally.
///
/// The workload's expected checksum sums float columns with `math.fsum`, which is exact and
/// order independent, so results must match it to the last bit whatever order the values
/// arrive in. This is Shewchuk's algorithm as CPython implements it: the running sum is kept
/// as a list of non-overlapping partials (exact), and ``value`` rounds them once, with
/// CPython's correction for half-even rounding across partials. Adding values one by one and
/// then reading ``value`` gives exactly `math.fsum` of the same values.
///
/// Non-finite inputs follow CPython: infinities and NaNs are summed separately and returned
/// (`inf + -inf` gives NaN where CPython raises `ValueError`); an intermediate overflow of
/// finite inputs gives NaN where CPython raises `OverflowError`.
public struct ExactSum: Sendable {
    /// Partials `storage[0..<used]`, increasing in magnitude; slots past `used` are spare.
    private var storage: [Double] = []
    private var used = 0
    private var specialSum = 0.0
    private var infinitySum = 0.0
    private var overflowed = false

    /// An empty sum (value 0.0).
    public init() {}

    /// The exact sum of `values`, rounded once: `math.fsum(values)`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    /// Adds `value` exactly.
    public mutating func add(_ value: Double) {
        var x = value
        let n = used
        var kept = 0
        var stored = false
        storage.withUnsafeMutableBufferPointer { p in
            for j in 0..<n {
                var y = p[j]
                if x.magnitude < y.magnitude { swap(&x, &y) }
                let hi = x + y
                let lo = y - (hi - x)
                if lo != 0 {
                    p[kept] = lo
                    kept += 1
                }
                x = hi
            }
            if x != 0 && x.isFinite && kept < p.count {
                p[kept] = x
                kept += 1
                stored = true
            }
        }
        used = kept
        guard x != 0 && !stored else { return }
        if x.isFinite {
            storage.append(x)
            used += 1
        } else {
            if value.isFinite {
                overflowed = true
            } else {
                if value.isInfinite { infinitySum += value }
                specialSum += value
            }
            used = 0
        }
    }

    /// Removes all values, keeping the storage.
    public mutating func reset() {
        used = 0
        specialSum = 0
        infinitySum = 0
        overflowed = false
    }

    /// The correctly rounded sum of everything added so far.
    public var value: Double {
        if overflowed { return .nan }
        if specialSum != 0 || specialSum.isNaN {
            return infinitySum.isNaN ? .nan : specialSum
        }
        var n = used
        guard n > 0 else { return 0 }
        let partials = storage
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0 { break }
        }
        if n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            if y == x - hi { hi = x }
        }
        return hi
    }
}
