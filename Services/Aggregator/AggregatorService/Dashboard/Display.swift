import EventContract
import Foundation

/// Numbers, dates and names as a Chinese reader of the command center expects them:
/// percentages with two decimals, thousands separators, China Standard Time, the glossary's labels.
public enum Display {
    /// `56,000`.
    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }

    /// `2026-11-29 13:40` from an RFC 3339 time, in China Standard Time.
    static func time(_ rfc3339: String?) -> String {
        time(rfc3339.flatMap(Timestamp.init(rfc3339:)))
    }

    /// `2026-11-29 13:40`, in China Standard Time.
    static func time(_ t: Timestamp?) -> String {
        guard let t else { return "—" }
        let local = Timestamp(unixMicros: t.unixMicros, utcOffsetMinutes: Timestamp.chinaStandardTimeOffset).description
        return local.prefix(10) + " " + local.dropFirst(11).prefix(5)
    }

    /// `2026-11-29`, in China Standard Time.
    static func date(_ t: Timestamp) -> String {
        String(Timestamp(unixMicros: t.unixMicros, utcOffsetMinutes: Timestamp.chinaStandardTimeOffset).description.prefix(10))
    }

    static func date(_ rfc3339: String?) -> String {
        guard let rfc3339, let t = Timestamp(rfc3339: rfc3339) else { return "" }
        return String(Timestamp(unixMicros: t.unixMicros, utcOffsetMinutes: Timestamp.chinaStandardTimeOffset).description.prefix(10))
    }

    static let subjectTypes: [(String, String)] = [
        ("village", "村"), ("community", "社区"), ("religious_site", "宗教活动场所"), ("institution", "事业单位"), ("enterprise", "企业"),
    ]
    static let groups: [(key: String, label: String)] = [
        ("overall", "全部主体"), ("rural", "村(社区)"), ("enterpriseInstitution", "企事业单位"), ("religiousSite", "宗教活动场所"),
    ]
    static let proxyLevels: [(String, String)] = [("village", "村级"), ("township", "乡镇级"), ("county", "县级"), ("city", "市级")]

    static func subjectType(_ key: String) -> String { subjectTypes.first { $0.0 == key }?.1 ?? key }

    /// 三下降: fewer is better. `↓ 3` (good), `↑ 2` (bad), `持平`.
    static func change(_ n: Int) -> (text: String, tone: String) {
        n < 0 ? ("↓ \(count(-n))", "good") : n > 0 ? ("↑ \(count(n))", "bad") : ("持平", "even")
    }

    /// Rank change since the saved ranking: positive is up.
    static func rankChange(_ n: Int?) -> (text: String, tone: String) {
        guard let n else { return ("—", "even") }
        return n > 0 ? ("↑\(n)", "good") : n < 0 ? ("↓\(-n)", "bad") : ("—", "even")
    }

    static func escapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Charts drawn on the server as SVG: nothing fetched, nothing run in the browser, and they print.
enum Charts {
    /// Horizontal bars of rates with each bar's target as a line: green at or above target, red below.
    static func rates(_ bars: [(label: String, rate: Double, target: Double?)]) -> String {
        let rowHeight = 34, width = 560, labelWidth = 110, barWidth = 330
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"达标率\" viewBox=\"0 0 \(width) \(bars.count * rowHeight + 10)\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight + 6
            let filled = Int((max(0, min(1, bar.rate)) * Double(barWidth)).rounded())
            let tone = bar.target.map { bar.rate >= $0 ? "ok" : "short" } ?? "plain"
            svg += "<text x=\"0\" y=\"\(y + 17)\" class=\"label\">\(Display.escapeXML(bar.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"22\" class=\"track\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(filled)\" height=\"22\" class=\"bar \(tone)\"/>"
            if let target = bar.target {
                let x = labelWidth + Int((target * Double(barWidth)).rounded())
                svg += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(y - 4)\" y2=\"\(y + 26)\" class=\"target\"><title>目标 \(Display.percent(target))</title></line>"
            }
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 17)\" class=\"value\">\(Display.percent(bar.rate))</text>"
        }
        return svg + "</svg>"
    }

    /// One stacked bar per row: resolved, open in time, overdue.
    static func ledger(_ rows: [(label: String, resolved: Int, open: Int, overdue: Int)]) -> String {
        let rowHeight = 34, width = 560, labelWidth = 110, barWidth = 330
        let most = max(1, rows.map { $0.resolved + $0.open }.max() ?? 1)
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"问题台账\" viewBox=\"0 0 \(width) \(rows.count * rowHeight + 10)\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, row) in rows.enumerated() {
            let y = i * rowHeight + 6
            svg += "<text x=\"0\" y=\"\(y + 17)\" class=\"label\">\(Display.escapeXML(row.label))</text>"
            var x = labelWidth
            for (value, tone, name) in [(row.resolved, "ok", "解决"), (row.open - row.overdue, "pending", "未解决"), (row.overdue, "short", "逾期")] where value > 0 {
                let w = max(1, value * barWidth / most)
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"22\" class=\"bar \(tone)\"><title>\(name) \(Display.count(value))</title></rect>"
                x += w
            }
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 17)\" class=\"value\">\(Display.count(row.resolved + row.open))</text>"
        }
        return svg + "</svg>"
    }
}
