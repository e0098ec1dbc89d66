import Divisions
import Geography
import HTTPTypes
import Hummingbird
import HummingbirdCore
import ServiceSupport

/// The campaign on one map (一张图): the counties coloured by a chosen figure with its legend, the
/// same figures in a table under it; `?county=` the county's townships, where the operator gave
/// their boundaries (`MAP_TOWNSHIP_BOUNDARIES`).
extension DashboardController {
    func map(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let chosen = page.request.uri.queryParameters["figure"].map(String.init) ?? MapFigure.rural.rawValue
        guard let figure = MapFigure(rawValue: chosen) else {
            throw Problem(.badRequest, "figure 须为 \(MapFigure.allCases.map(\.rawValue).joined(separator: "、")) 之一")
        }
        let county = page.request.uri.queryParameters["county"].map(String.init)
        if let county, DivisionLevel(code: county) != .county { throw Problem.notFound("\(county) 不是县(区)代码") }
        var values: [String: Any] = [
            "figures": MapFigure.allCases.map { ["key": $0.rawValue, "label": $0.label, "selected": $0 == figure] },
            "figureLabel": figure.label, "period": Self.period(page.window), "asOfValue": Display.date(page.window.asOf),
            "historical": page.historical, "county": county ?? false,
        ]
        guard let maps else {
            values["unconfigured"] = true
            return ("一张图", "map", values)
        }
        let shapes = county.map { maps.townships(of: $0) } ?? maps.counties
        let outline = shapes == nil ? county.flatMap { maps.counties.region($0) } : nil
        let projection = Charts.mapProjection(shapes ?? Boundaries(regions: []), outline: outline)
        // The city counts the marked subjects in a grid (in Postgres); a county shows each, on its
        // townships or, without their boundaries, on its outline — in a finer grid when there are
        // too many to draw one by one (a province's number of subjects in one city).
        let (divisions, names, marks) = try await mapFigures(page, county: county, cellsOn: county == nil ? projection : nil)
        let legend = figure.legend(divisions, settings: queries.settings)
        values["layer"] = county == nil ? "县(区)" : "乡镇(街道)"
        switch marks {
        case .points(let points):
            values["marked"] = Display.count(points.count)
            values["markedBreaching"] = Display.count(points.filter { !$0.breached.isEmpty }.count)
            values["markedOverdue"] = Display.count(points.filter { $0.overdue > 0 }.count)
        case .cells(let cells, _):
            values["marked"] = Display.count(cells.map(\.count).reduce(0, +))
            values["markedBreaching"] = Display.count(cells.map { $0.count - ($0.marks[.overdue] ?? 0) }.reduce(0, +))
            values["markedOverdue"] = Display.count(cells.map(\.overdue).reduce(0, +))
            values["binnedCounty"] = county != nil
        }
        var drawn = marks
        if county != nil, case .points(let points) = marks, points.count > Self.mostPointsDrawn {
            drawn = .cells(MapPoints.cells(of: points, projection: projection, size: 14), size: 14)
            values["binnedCounty"] = true
        }
        if let shapes {
            values["map"] = Self.mapDrawing(shapes, divisions, figure: figure, legend: legend, names: names, query: page.query, marks: drawn)
        } else {
            values["noTownships"] = true
            if let outline {
                values["outlineOnly"] = true
                values["map"] = Charts.map(Boundaries(regions: []), regions: [], label: "\(names.name(outline.code))标记主体", marks: drawn, outline: outline, query: page.query)
            }
        }
        values["legend"] = legend.classes.enumerated().map { ["class": $0.offset, "label": $0.element.label] }
        values["rows"] = divisions.map { d -> [String: Any] in
            var row = Self.divisionRow(d, query: page.query)
            row["value"] = figure.display(d)
            row["class"] = legend.classify(figure.value(d))
            row["classLabel"] = legend.classes[legend.classify(figure.value(d))].label
            row["breaching"] = Display.count(d.compliance.overall.total - d.compliance.overall.compliant)
            row["mapped"] = shapes?.region(d.code) != nil
            row["drill"] = d.township == nil && maps.townships(of: d.county) != nil
            row["figure"] = figure.rawValue
            return row
        }
        values["crumbs"] = Self.crumbs(county, names: names, query: page.query)
        return (county.map { "一张图 · \(names.name($0))" } ?? "一张图", "map", values)
    }

    /// The most marked subjects a county's map draws one by one (beyond, counted in a grid).
    static let mostPointsDrawn = 2_500

    /// The counties' figures (or one county's townships') in the page's window, the directory and
    /// the subjects to mark (counted in cells of a grid on `cellsOn`, when given), in one snapshot.
    func mapFigures(
        _ page: PageContext, county: String?, cellsOn projection: Projection?
    ) async throws -> ([ComplianceQueries.DivisionFigures], DivisionNames, Charts.Marks) {
        let queries = queries
        var window = page.window
        window.county = county
        let scope = window
        return try await api.snapshot { conn in
            let divisions = try county == nil ? queries.counties(scope, on: conn) : queries.townships(scope, on: conn)
            let days = queries.settings.defaultDeadlineDays
            let marks: Charts.Marks =
                try projection.map { .cells(try MapPoints.cells(scope, defaultDeadlineDays: days, projection: $0, size: 28, on: conn), size: 28) }
                ?? .points(try MapPoints.load(scope, defaultDeadlineDays: days, on: conn))
            return (divisions.sorted { $0.code < $1.code }, try DivisionBook.load(on: conn), marks)
        }
    }

    /// The divisions drawn on `boundaries`, each coloured by its class of `figure`, linking to its page.
    static func mapDrawing(
        _ boundaries: Boundaries, _ divisions: [ComplianceQueries.DivisionFigures], figure: MapFigure, legend: Legend, names: DivisionNames, query: String,
        marks: Charts.Marks? = nil, width: Double = 960, height: Double = 720
    ) -> String {
        func page(_ code: String) -> String { "/\(DivisionLevel(code: code) == .township ? "township" : "county")/\(code)\(query)" }
        var regions = divisions.map { d in
            let name = d.name ?? names.name(d.code)
            let detail =
                "\(name) · \(figure.label) \(figure.display(d))\n"
                + MapFigure.allCases.filter { $0 != figure }.map { "\($0.label) \($0.display(d))" }.joined(separator: " · ")
            return Charts.MapRegion(code: d.code, name: name, href: page(d.code), value: figure.display(d), legendClass: legend.classify(figure.value(d)), detail: detail)
        }
        // Divisions on the map without figures (no subjects yet) are drawn too, grey, so the map has no holes.
        let shown = Set(divisions.map(\.code))
        for region in boundaries.regions where !shown.contains(region.code) {
            let name = names.name(region.code)
            regions.append(Charts.MapRegion(code: region.code, name: name, href: page(region.code), value: "—", legendClass: nil, detail: "\(name) · 无创建主体"))
        }
        return Charts.map(boundaries, regions: regions, label: "\(figure.label)分布", marks: marks, query: query, width: width, height: height)
    }
}
