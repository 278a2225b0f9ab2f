/// Count, sum, mean and sum of squared deviations in one pass (Welford's algorithm), so
/// Mean, Sum, StandardDeviation and Variance share a scan and stay numerically stable.
struct Moments {
    private(set) var count = 0
    private(set) var sum = 0.0
    private(set) var mean = 0.0
    private(set) var m2 = 0.0
    private(set) var minimum = Double.infinity
    private(set) var maximum = -Double.infinity

    @inline(__always)
    mutating func add(_ value: Double) {
        count += 1
        sum += value
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    /// Divides by n, as Deequ's StandardDeviation and Variance do.
    var populationVariance: Double { count > 0 ? m2 / Double(count) : .nan }

    /// Divides by n − 1, as SQL's `stddev` / `variance`.
    var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
}
