import Foundation
import LakeColumnar

/// Date and time text as DQDL and the SQL subset accept it.
enum TemporalParsing {
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        Int64(CivilCalendar.days(year: year, month: month, day: day))
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` or with `T`, optionally ending in `Z`,
    /// read as UTC; microseconds since the epoch.
    static func microseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, !range.isEmpty else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var micros = days(year: year, month: month, day: day) * 86_400_000_000
        var index = 10
        if index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "T") {
            guard let hour = number(11..<13), bytes.count >= 16, bytes[13] == UInt8(ascii: ":"),
                  let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
            micros += Int64(hour * 3600 + minute * 60) * 1_000_000
            index = 16
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                guard let second = number(17..<19), second < 61 else { return nil }
                micros += Int64(second) * 1_000_000
                index = 19
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                    var end = index + 1
                    while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
                    guard end > index + 1, let fraction = number(index + 1..<min(end, index + 7)) else { return nil }
                    var scaled = Int64(fraction)
                    for _ in 0..<(6 - min(end - index - 1, 6)) { scaled *= 10 }
                    micros += scaled
                    index = end
                }
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "Z") { index += 1 }
        return index == bytes.count ? micros : nil
    }

    struct Civil {
        var year: Int, month: Int, day: Int, hour: Int
    }

    static func civil(_ micros: Int64) -> Civil {
        let days = floorDivide(micros, 86_400_000_000)
        let date = CivilCalendar.date(fromDays: Int(days))
        let hour = Int(floorDivide(micros - days * 86_400_000_000, 3_600_000_000))
        return Civil(year: date.year, month: date.month, day: date.day, hour: hour)
    }

    /// The UTC instant of wall-clock `hour:minute` today (the day `now` falls on in `timeZone`).
    static func todayAt(hour: Int, minute: Int, now: Int64, timeZone: TimeZone) -> Int64 {
        let nowDate = Date(timeIntervalSince1970: Double(now) / 1_000_000)
        let offset = Int64(timeZone.secondsFromGMT(for: nowDate)) * 1_000_000
        let localDay = floorDivide(now + offset, 86_400_000_000)
        let local = localDay * 86_400_000_000 + Int64(hour * 3600 + minute * 60) * 1_000_000
        // Use the offset in force at that local time (differs around DST changes).
        let guess = Date(timeIntervalSince1970: Double(local - offset) / 1_000_000)
        let actualOffset = Int64(timeZone.secondsFromGMT(for: guess)) * 1_000_000
        return local - actualOffset
    }
}

/// Formats a metric value the way results print it: integers without a fraction.
func formatMetric(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
