import Foundation
import LakeColumnar

/// The dashboard as one self-contained HTML page: inline CSS and SVG charts with `<title>`
/// tooltips, no script and nothing fetched from the network. Every chart mark carries its value
/// in a `data-value` attribute, so a test (or a person with the inspector) can check the page
/// holds gold's numbers.
public enum DashboardPage {
    /// The page for `data`.
    public static func html(_ data: DashboardData) -> String {
        let days = data.days
        let labels = days.map { CivilCalendar.isoDate(days: Int($0.day)) }
        let totalRequests = days.reduce(Int64(0)) { $0 + $1.requests }
        let totalBytes = days.reduce(Int64(0)) { $0 + $1.bytes }
        let totalHits = days.reduce(Int64(0)) { $0 + $1.hits }
        let last = days.last
        var body = "<h1>CloudFront traffic</h1>\n"
        body += "<p class=\"sub\">From the gold tables <code>gold.daily</code> and <code>gold.daily_top</code>: \(days.count) day(s)"
        body += labels.first.map { ", \(escape($0)) to \(escape(labels.last ?? $0))" } ?? ""
        body += "</p>\n<div class=\"tiles\">"
        body += tile("Requests", grouped(totalRequests), id: "requests")
        body += tile("Bytes served", byteText(totalBytes), id: "bytes")
        body += tile("Cache hit ratio", totalRequests > 0 ? percent(Double(totalHits) / Double(totalRequests)) : "–", id: "hit-ratio")
        body += tile("Visitors (last day)", last.map { grouped($0.uniqueVisitors) } ?? "–", id: "visitors")
        body += tile("p95 time taken (last day)", last?.p95.map { String(format: "%.3f s", $0) } ?? "–", id: "p95")
        body += "</div>\n<div class=\"grid\">\n"
        body += card("Requests per day", bars(id: "requests-per-day", labels: labels, values: days.map { Double($0.requests) },
                                               format: { grouped(Int64($0)) }, color: "#2f6fde"))
        body += card("Bytes per day", bars(id: "bytes-per-day", labels: labels, values: days.map { Double($0.bytes) },
                                            format: { byteText(Int64($0)) }, color: "#1a9e77"))
        body += card("Status classes per day", stacked(id: "status-per-day", labels: labels, series: ["2xx", "3xx", "4xx", "5xx"],
                                                        values: days.map { $0.status.map(Double.init) },
                                                        colors: ["#1a9e77", "#7570b3", "#e6ab02", "#d95f02"]))
        body += card("Cache hit ratio per day", line(id: "hit-ratio-per-day", labels: labels, values: days.map(\.cacheHitRatio)))
        if let last {
            let topLists = data.top[last.day] ?? [:]
            let day = CivilCalendar.isoDate(days: Int(last.day))
            body += card("Top pages, \(day)", ranking(id: "top-pages", rows: Array((topLists["page"] ?? []).prefix(10))))
            body += card("Top edge locations, \(day)", ranking(id: "top-edges", rows: Array((topLists["edge_location"] ?? []).prefix(10))))
        }
        body += "</div>\n"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CloudFront traffic — lakehouse dashboard</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #f6f7fa; }
            h1 { margin: 0 0 4px; font-size: 22px; } .sub { color: #5b6475; margin: 0 0 16px; }
            .tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
            .tile { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; min-width: 150px; }
            .tile .label { color: #5b6475; font-size: 12px; } .tile .value { font-size: 22px; font-weight: 600; }
            .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
            .card { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
            .card h2 { font-size: 15px; margin: 0 0 8px; } svg { width: 100%; height: auto; }
            svg text { font: 11px system-ui, sans-serif; fill: #5b6475; } .legend span { margin-right: 12px; font-size: 12px; }
            .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        // By scalar, as the HTML tokenizer reads: a quote followed by a combining mark is one
        // `Character` that equals no quote, and would close an attribute value unescaped.
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func byteText(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var value = Double(n), unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }

    static func number(_ x: Double) -> String { String(format: "%.1f", x) }

    private static func tile(_ label: String, _ value: String, id: String) -> String {
        "<div class=\"tile\" id=\"tile-\(id)\"><div class=\"label\">\(escape(label))</div><div class=\"value\">\(escape(value))</div></div>"
    }

    private static func card(_ title: String, _ content: String) -> String {
        "<div class=\"card\"><h2>\(escape(title))</h2>\n\(content)</div>\n"
    }

    private static let width = 440.0, height = 200.0, left = 56.0, bottom = 28.0, top = 10.0

    private static func axis(maximum: Double, format: (Double) -> String) -> String {
        var out = ""
        for i in 0...4 {
            let v = maximum * Double(i) / 4
            let y = height - bottom - (height - bottom - top) * Double(i) / 4
            out += "<line x1=\"\(number(left))\" x2=\"\(number(width))\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#e3e6ec\"/>"
            out += "<text x=\"\(number(left - 4))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(escape(format(v)))</text>"
        }
        return out
    }

    private static func xLabels(_ labels: [String], slot: Double) -> String {
        let every = max(1, labels.count / 8)
        var out = ""
        for (i, label) in labels.enumerated() where i % every == 0 {
            let x = left + slot * (Double(i) + 0.5)
            out += "<text x=\"\(number(x))\" y=\"\(number(height - 10))\" text-anchor=\"middle\">\(escape(String(label.dropFirst(5))))</text>"
        }
        return out
    }

    private static func bars(id: String, labels: [String], values: [Double], format: @escaping (Double) -> String, color: String) -> String {
        let maximum = max(values.max() ?? 0, 1)
        let slot = (width - left) / Double(max(values.count, 1))
        var svg = "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">" + axis(maximum: maximum, format: format)
        for (i, v) in values.enumerated() {
            let h = (height - bottom - top) * v / maximum
            let x = left + slot * Double(i) + slot * 0.15
            svg += "<rect class=\"bar\" data-label=\"\(escape(labels[i]))\" data-value=\"\(v)\" x=\"\(number(x))\" y=\"\(number(height - bottom - h))\" "
                + "width=\"\(number(slot * 0.7))\" height=\"\(number(h))\" fill=\"\(color)\"><title>\(escape(labels[i])): \(escape(format(v)))</title></rect>"
        }
        return svg + xLabels(labels, slot: slot) + "</svg>\n"
    }

    private static func stacked(id: String, labels: [String], series: [String], values: [[Double]], colors: [String]) -> String {
        let maximum = max(values.map { $0.reduce(0, +) }.max() ?? 0, 1)
        let slot = (width - left) / Double(max(values.count, 1))
        var svg = "<div class=\"legend\">" + zip(series, colors).map { "<span><i style=\"background:\($1)\"></i>\($0)</span>" }.joined() + "</div>"
        svg += "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">" + axis(maximum: maximum) { grouped(Int64($0)) }
        for (i, day) in values.enumerated() {
            var base = height - bottom
            for (s, v) in day.enumerated() where s < series.count {
                let h = (height - bottom - top) * v / maximum
                base -= h
                svg += "<rect class=\"bar\" data-label=\"\(escape(labels[i]))\" data-series=\"\(series[s])\" data-value=\"\(v)\" "
                    + "x=\"\(number(left + slot * Double(i) + slot * 0.15))\" y=\"\(number(base))\" width=\"\(number(slot * 0.7))\" "
                    + "height=\"\(number(h))\" fill=\"\(colors[s])\"><title>\(escape(labels[i])) \(series[s]): \(grouped(Int64(v)))</title></rect>"
            }
        }
        return svg + xLabels(labels, slot: slot) + "</svg>\n"
    }

    private static func line(id: String, labels: [String], values: [Double]) -> String {
        let slot = (width - left) / Double(max(values.count, 1))
        var svg = "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">" + axis(maximum: 1) { percent($0) }
        let points = values.enumerated().map { i, v in
            (left + slot * (Double(i) + 0.5), height - bottom - (height - bottom - top) * min(max(v, 0), 1))
        }
        if points.count > 1 {
            svg += "<polyline fill=\"none\" stroke=\"#2f6fde\" stroke-width=\"2\" points=\""
                + points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ") + "\"/>"
        }
        for (i, p) in points.enumerated() {
            svg += "<circle class=\"point\" data-label=\"\(escape(labels[i]))\" data-value=\"\(values[i])\" cx=\"\(number(p.0))\" "
                + "cy=\"\(number(p.1))\" r=\"3.5\" fill=\"#2f6fde\"><title>\(escape(labels[i])): \(percent(values[i]))</title></circle>"
        }
        return svg + xLabels(labels, slot: slot) + "</svg>\n"
    }

    private static func ranking(id: String, rows: [TopRow]) -> String {
        let rowHeight = 22.0, labelWidth = 170.0
        let h = max(rowHeight * Double(rows.count), rowHeight)
        let maximum = Double(max(rows.map(\.requests).max() ?? 1, 1))
        var svg = "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" role=\"img\">"
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight
            let w = (width - labelWidth - 70) * Double(row.requests) / maximum
            let label = row.key.count > 28 ? String(row.key.prefix(27)) + "…" : row.key
            svg += "<text x=\"\(number(labelWidth - 6))\" y=\"\(number(y + 15))\" text-anchor=\"end\">\(escape(label))</text>"
                + "<rect class=\"bar\" data-label=\"\(escape(row.key))\" data-value=\"\(row.requests)\" x=\"\(number(labelWidth))\" "
                + "y=\"\(number(y + 4))\" width=\"\(number(w))\" height=\"\(number(rowHeight - 8))\" fill=\"#7570b3\">"
                + "<title>\(escape(row.key)): \(grouped(row.requests)) requests, \(byteText(row.bytes))</title></rect>"
                + "<text x=\"\(number(labelWidth + w + 4))\" y=\"\(number(y + 15))\">\(grouped(row.requests))</text>"
        }
        return svg + "</svg>\n"
    }
}
