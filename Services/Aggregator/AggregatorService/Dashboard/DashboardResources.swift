import Foundation
import Mustache

/// The dashboard's pages (`Resources/templates/*.mustache`), its script and its style sheet
/// (`Resources/dashboard.js`, `.css`), read once at start from the aggregator's resource bundle.
/// `layout` wraps every page; `{{x}}` is HTML-escaped, and `{{{x}}}` is used only for the
/// server's own SVG and the rendered page body. The script and style are served by the
/// aggregator itself (the Content-Security-Policy allows nothing else).
struct DashboardResources: Sendable {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    let library: MustacheLibrary
    let script: String
    let style: String

    static let templateNames = [
        "layout", "overview", "ranking", "county", "subject", "ledger", "quality", "reports", "report", "roster", "signin", "error", "rankingTable",
        "township", "townshipTable", "map",
    ]

    init() throws {
        // The copied `Resources` folder, found by a file in it (where a bundle keeps its resources differs by platform).
        guard let folder = Bundle.module.url(forResource: "dashboard", withExtension: "js", subdirectory: "Resources")?.deletingLastPathComponent() else {
            throw Missing(description: "the aggregator's resource bundle is missing (ThreeZero_AggregatorService.resources beside the binary)")
        }
        func read(_ path: String) throws -> String {
            do { return try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8) } catch {
                throw Missing(description: "the dashboard's \(path) could not be read from \(folder.path): \(error)")
            }
        }
        var library = MustacheLibrary()
        for name in Self.templateNames { try library.register(try read("templates/\(name).mustache"), named: name) }
        self.library = library
        script = try read("dashboard.js")
        style = try read("dashboard.css")
    }
}
