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

    static func map(_ boundaries: Boundaries, regions: [MapRegion], label: String, width: Double = 960, height: Double = 720) -> String {
        let projection = Projection(fitting: boundaries.box, width: width, height: height)
        var shapes = "", names = ""
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
            + shapes + "<g class=\"labels\" aria-hidden=\"true\">" + names + "</g></svg>"
    }
}
