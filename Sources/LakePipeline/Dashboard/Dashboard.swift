import Foundation

/// Gold → `daily.json` and `index.html` in a directory (the warehouse's `dashboard/` by default).
public struct Dashboard: Sendable {
    /// The files written.
    public struct Output: Sendable {
        /// `daily.json` and `index.html`.
        public var json: String, html: String
        /// Days shown.
        public var days: Int
    }

    /// The warehouse read.
    public let warehouse: MedallionWarehouse
    /// The directory written.
    public let directory: String

    /// A dashboard of `warehouse`'s gold tables written to `directory` (default: the warehouse's).
    public init(warehouse: MedallionWarehouse, directory: String? = nil) {
        self.warehouse = warehouse
        self.directory = directory ?? warehouse.dashboardDirectory
    }

    /// Reads gold and writes both files (each replaced atomically).
    public func write() async throws -> Output {
        let data = try await DashboardData.load(warehouse)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let output = Output(json: directory + "/daily.json", html: directory + "/index.html", days: data.days.count)
        try Data(try data.json().utf8).write(to: URL(fileURLWithPath: output.json), options: .atomic)
        try Data(DashboardPage.html(data).utf8).write(to: URL(fileURLWithPath: output.html), options: .atomic)
        return output
    }
}
