/// The inner loops shared by the linear models, over raw pointers: logits
/// and gradient accumulation, with the optional standardization fused in
/// (`z = (x - mean) * scale`, computed on the fly so predicting needs no
/// scratch memory).
///
/// Parameter layout: `outputs` weight rows of `features` values
/// (class-major), then `outputs` intercepts.
///
/// Valid only inside the `withUnsafe…` scopes that produced its pointers.
struct LinearKernel {
    let parameters: UnsafePointer<Double>
    let means: UnsafePointer<Double>?
    let scales: UnsafePointer<Double>?
    let features: Int
    let outputs: Int

    /// `intercept + Σ w·z` for output `c`.
    @inline(__always)
    func logit(_ x: UnsafePointer<Double>, output c: Int) -> Double {
        let w = parameters + c &* features
        var acc = 0.0
        if let means, let scales {
            for j in 0..<features { acc += w[j] * ((x[j] - means[j]) * scales[j]) }
        } else {
            for j in 0..<features { acc += w[j] * x[j] }
        }
        return acc + parameters[outputs &* features &+ c]
    }

    /// Adds `error * z` to output `c`'s weight gradients and `error` to its intercept's.
    @inline(__always)
    func accumulate(_ x: UnsafePointer<Double>, error: Double, output c: Int, into gradient: UnsafeMutablePointer<Double>) {
        let g = gradient + c &* features
        if let means, let scales {
            for j in 0..<features { g[j] += error * ((x[j] - means[j]) * scales[j]) }
        } else {
            for j in 0..<features { g[j] += error * x[j] }
        }
        gradient[outputs &* features &+ c] += error
    }

    /// Runs `body` with a kernel over `parameters` and the scaler's statistics (if any).
    @inline(__always)
    static func with<R>(parameters: [Double], scaler: OnlineStandardScaler?, features: Int, outputs: Int,
                        _ body: (LinearKernel) throws -> R) rethrows -> R {
        try parameters.withUnsafeBufferPointer { p in
            if scaler != nil {
                return try scaler!.means.withUnsafeBufferPointer { m in
                    try scaler!.scales.withUnsafeBufferPointer { s in
                        try body(LinearKernel(parameters: p.baseAddress!, means: m.baseAddress!, scales: s.baseAddress!, features: features, outputs: outputs))
                    }
                }
            }
            return try body(LinearKernel(parameters: p.baseAddress!, means: nil, scales: nil, features: features, outputs: outputs))
        }
    }
}
