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

extension Moments {
    /// Folds `other` in as if its values had been added one by one (Chan et al.'s pairwise
    /// update), so moments of chunks combine into those of the whole.
    mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let n = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(n)
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / Double(n)
        sum += other.sum
        count = n
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }
}

/// Co-moments of two columns over the rows where both are present, for Pearson's correlation;
/// mergeable as ``Moments`` is.
struct CoMoments {
    private(set) var count = 0.0
    private(set) var meanX = 0.0
    private(set) var meanY = 0.0
    private(set) var cxy = 0.0
    private(set) var m2x = 0.0
    private(set) var m2y = 0.0

    @inline(__always)
    mutating func add(_ x: Double, _ y: Double) {
        count += 1
        let dx = x - meanX
        meanX += dx / count
        let dy = y - meanY
        meanY += dy / count
        cxy += dx * (y - meanY)
        m2x += dx * (x - meanX)
        m2y += dy * (y - meanY)
    }

    mutating func merge(_ other: CoMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let n = count + other.count
        let dx = other.meanX - meanX, dy = other.meanY - meanY
        let weight = count * other.count / n
        cxy += other.cxy + dx * dy * weight
        m2x += other.m2x + dx * dx * weight
        m2y += other.m2y + dy * dy * weight
        meanX += dx * other.count / n
        meanY += dy * other.count / n
        count = n
    }

    /// Pearson's r; `nil` with fewer than two rows or a constant column.
    var correlation: Double? {
        count > 1 && m2x > 0 && m2y > 0 ? cxy / (m2x * m2y).squareRoot() : nil
    }
}
