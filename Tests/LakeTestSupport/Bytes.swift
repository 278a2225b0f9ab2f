/// The first offset where two byte strings differ (the shorter length when one is a prefix of
/// the other), or nil when they are equal.
///
/// Tests compare files with it rather than with `==`: a failed `#expect(a == b)` on arrays makes
/// the test library diff them element by element, which takes minutes for files of megabytes.
public func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    if let i = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) { return i }
    return a.count == b.count ? nil : min(a.count, b.count)
}
