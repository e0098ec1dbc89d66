import Divisions
import Geography
import HTTPTypes
import Hummingbird
import HummingbirdCore
import ServiceSupport

/// The campaign on one map (一张图): the counties coloured by a chosen figure with its legend, the
/// same figures in a table under it.
extension DashboardController {
    func map(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let chosen = page.request.uri.queryParameters["figure"].map(String.init) ?? MapFigure.rural.rawValue
        guard let figure = MapFigure(rawValue: chosen) else {
            throw Problem(.badRequest, "figure 须为 \(MapFigure.allCases.map(\.rawValue).joined(separator: "、")) 之一")
        }
        var values: [String: Any] = [
            "figures": MapFigure.allCases.map { ["key": $0.rawValue, "label": $0.label, "selected": $0 == figure] },
            "figureLabel": figure.label, "period": Self.period(page.window), "asOfValue": Display.date(page.window.asOf),
            "historical": page.historical,
        ]
        guard let boundaries else {
            values["unconfigured"] = true
            return ("一张图", "map", values)
        }
        let (counties, names) = try await mapFigures(page)
        let legend = figure.legend(counties, settings: queries.settings)
        values["map"] = Self.mapDrawing(boundaries, counties, figure: figure, legend: legend, names: names, query: page.query)
        values["legend"] = legend.classes.enumerated().map { ["class": $0.offset, "label": $0.element.label] }
        values["rows"] = counties.map { c -> [String: Any] in
            var row = Self.divisionRow(c, query: page.query)
            row["value"] = figure.display(c)
            row["class"] = legend.classify(figure.value(c))
            row["classLabel"] = legend.classes[legend.classify(figure.value(c))].label
            row["breaching"] = Display.count(c.compliance.overall.total - c.compliance.overall.compliant)
            row["mapped"] = boundaries.region(c.county) != nil
            return row
        }
        values["crumbs"] = Self.crumbs(nil, names: names, query: page.query)
        return ("一张图", "map", values)
    }

    /// The counties' figures in the page's window and the directory, in one snapshot.
    func mapFigures(_ page: PageContext) async throws -> ([ComplianceQueries.DivisionFigures], DivisionNames) {
        let queries = queries
        let window = page.window
        return try await api.snapshot { conn in (try queries.counties(window, on: conn).sorted { $0.county < $1.county }, try DivisionBook.load(on: conn)) }
    }

    static func mapDrawing(
        _ boundaries: Boundaries, _ counties: [ComplianceQueries.DivisionFigures], figure: MapFigure, legend: Legend, names: DivisionNames, query: String,
        width: Double = 960, height: Double = 720
    ) -> String {
        let regions = counties.map { c in
            let name = c.name ?? names.name(c.county)
            let detail =
                "\(name) · \(figure.label) \(figure.display(c))\n"
                + MapFigure.allCases.filter { $0 != figure }.map { "\($0.label) \($0.display(c))" }.joined(separator: " · ")
            return Charts.MapRegion(
                code: c.county, name: name, href: "/county/\(c.county)\(query)", value: figure.display(c), legendClass: legend.classify(figure.value(c)),
                detail: detail)
        }
        return Charts.map(boundaries, regions: regions, label: "\(figure.label)分布", width: width, height: height)
    }
}
