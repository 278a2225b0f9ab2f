import Foundation

/// What a frequency metric needs from the counts of a column's values.
struct FrequencySummary {
    /// Selected rows, nulls included (Deequ's `numRows`).
    var rowCount: Int
    var distinct = 0
    var singletons = 0
    /// `-Σ p ln p` with `p = count / rowCount` (natural log, as Deequ).
    var entropy = 0.0

    /// The summary of the occurrence counts `counts` (zeros ignored).
    init(rowCount: Int, counts: [Int]) {
        self.rowCount = rowCount
        let n = Double(rowCount)
        for count in counts where count > 0 {
            distinct += 1
            if count == 1 { singletons += 1 }
            let p = Double(count) / n
            entropy -= p * log(p)
        }
    }

    init(rowCount: Int, counter: ValueCounter) throws(RuleError) {
        self.rowCount = rowCount
        let n = Double(rowCount)
        var distinct = 0, singletons = 0
        var entropy = 0.0
        try counter.forEachTotal { count in
            distinct += 1
            if count == 1 { singletons += 1 }
            let p = Double(count) / n
            entropy -= p * log(p)
        }
        self.distinct = distinct
        self.singletons = singletons
        self.entropy = entropy
    }
}
