import ComplianceRules
import Geography

/// The map drawn on the server as SVG (一张图): each division a link to its page, filled by its
/// legend class, named and valued on the map, its figures in its tooltip and in `data-detail` for
/// the panel beside the map (hover and keyboard focus).
extension Charts {
    struct MapRegion {
        let code: String
        let name: String
        let href: String
        let value: String
        /// Its legend class; nil for a division without figures (no subjects yet), drawn grey.
        let legendClass: Int?
        let detail: String
    }

    /// How the marked subjects are drawn: each a point that opens its page (within a county), or
    /// counted in the cells of a grid (the city: a light page whatever the number of subjects; the
    /// cells let clicks through to the counties, whose figures the table holds).
    enum Marks {
        case points([MapPoints.Point])
        case cells([MapPoints.Cell], size: Double)
    }

    static let zeroLabels: [Zero: String] = [.petition: "零上访未达标", .accident: "零事故未达标", .case: "零案件未达标"]

    static func markDetail(_ p: MapPoints.Point) -> String {
        (p.breached.map { zeroLabels[$0]! } + (p.overdue > 0 ? ["逾期问题 \(p.overdue)"] : [])).joined(separator: " · ")
    }

    /// The marks as SVG on `projection`.
    static func marks(_ marks: Marks, on projection: Projection, query: String) -> String {
        var svg = "<g class=\"marks\">"
        switch marks {
        case .points(let points):
            for p in points {
                let (x, y) = projection.point(Coordinate(lon: p.lon, lat: p.lat))
                let detail = Display.escapeXML("\(p.name) · \(markDetail(p))")
                let mark = p.mark.cssClass
                svg += "<a href=\"/subject/\(p.code)\(Display.escapeXML(query))\" class=\"mark\" data-code=\"\(p.code)\" data-mark=\"\(mark)\" aria-label=\"\(detail)\">"
                svg += "<circle cx=\"\(Int(x.rounded()))\" cy=\"\(Int(y.rounded()))\" r=\"5\" class=\"\(mark)\"><title>\(detail)</title></circle></a>"
            }
        case .cells(let cells, let size):
            for cell in cells {
                let (x, y) = ((Double(cell.column) + 0.5) * size, (Double(cell.row) + 0.5) * size)
                let counts = Zero.allCases.map { (zeroLabels[$0]!, cell.breaching[$0] ?? 0) } + [("逾期问题主体", cell.overdue)]
                let detail = "标记主体 \(cell.count):" + counts.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: " · ")
                let dominant = cell.dominant.cssClass
                let radius = min(size / 2, 5 + 2 * Double(cell.count).squareRoot())
                svg += "<g class=\"bin\" aria-hidden=\"true\" data-count=\"\(cell.count)\" data-mark=\"\(dominant)\"><title>\(Display.escapeXML(detail))</title>"
                svg += "<circle cx=\"\(Int(x))\" cy=\"\(Int(y))\" r=\"\(Int(radius.rounded()))\" class=\"\(dominant)\"/>"
                svg += "<text x=\"\(Int(x))\" y=\"\(Int(y) + 4)\" class=\"count\">\(cell.count)</text></g>"
            }
        }
        return svg + "</g>"
    }

    /// The canvas of a map of `boundaries` (or of `outline` alone).
    static func mapProjection(_ boundaries: Boundaries, outline: Boundaries.Region? = nil, width: Double = 960, height: Double = 720) -> Projection {
        Projection(fitting: outline.map { Boundaries(regions: [$0]).box } ?? boundaries.box, width: width, height: height)
    }

    static func map(
        _ boundaries: Boundaries, regions: [MapRegion], label: String, marks: Marks? = nil, outline: Boundaries.Region? = nil, query: String = "",
        width: Double = 960, height: Double = 720
    ) -> String {
        let projection = mapProjection(boundaries, outline: outline, width: width, height: height)
        var shapes = "", names = ""
        if let outline { shapes += "<path class=\"outline\" d=\"\(projection.path(outline.polygons))\"/>" }
        for region in regions {
            guard let shape = boundaries.region(region.code) else { continue }
            let detail = Display.escapeXML(region.detail)
            let legendClass = region.legendClass.map { "c\($0)" } ?? "none"
            shapes += "<a href=\"\(Display.escapeXML(region.href))\" class=\"region\" data-code=\"\(region.code)\" data-class=\"\(region.legendClass.map(String.init) ?? "none")\""
            shapes += " data-detail=\"\(detail)\" aria-label=\"\(Display.escapeXML(String(region.detail.prefix { $0 != "\n" })))\">"
            shapes += "<path class=\"\(legendClass)\" d=\"\(projection.path(shape.polygons))\"><title>\(detail)</title></path></a>"
            let (x, y) = projection.point(shape.labelPoint)
            let at = "x=\"\(Int(x.rounded()))\""
            names += "<text \(at) y=\"\(Int(y.rounded()) - 2)\" class=\"name\" data-code=\"\(region.code)\">\(Display.escapeXML(region.name))</text>"
            names += "<text \(at) y=\"\(Int(y.rounded()) + 14)\" class=\"value\">\(Display.escapeXML(region.value))</text>"
        }
        return "<svg class=\"map\" role=\"group\" aria-label=\"\(Display.escapeXML(label))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + shapes + "<g class=\"labels\" aria-hidden=\"true\">" + names + "</g>" + (marks.map { Self.marks($0, on: projection, query: query) } ?? "") + "</svg>"
    }
}
