/// One row of the reliability table `Scripts/torture.sh` prints (case, runs, passed, rows lost,
/// rows doubled, hangs): suites print a row per case on standard output as a line starting
/// with `torture|`, which the script gathers into one table over every suite.
public enum TortureReport {
    /// The line for one case; `lost` or `doubled` nil where the case has no rows to count.
    public static func line(_ name: String, runs: Int, passed: Int, lost: Int?, doubled: Int?, hangs: Int) -> String {
        ["torture", name, String(runs), String(passed), lost.map(String.init) ?? "-", doubled.map(String.init) ?? "-", String(hangs)]
            .joined(separator: "|")
    }

    /// Prints ``line(_:runs:passed:lost:doubled:hangs:)``.
    public static func row(_ name: String, runs: Int, passed: Int, lost: Int?, doubled: Int?, hangs: Int) {
        print(line(name, runs: runs, passed: passed, lost: lost, doubled: doubled, hangs: hangs))
    }
}
