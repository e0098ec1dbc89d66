import AggregatorService
import ArgumentParser
import Foundation

/// `aggregator`: the command center's service (configuration: see the README), and the roster
/// import of the command line.
@main
struct AggregatorMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregator",
        abstract: "The ThreeZero command center: compliance view, roster and API.",
        subcommands: [Serve.self, ImportRoster.self, ImportDivisions.self], defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Consume the department topics and serve the command center (the default).")

        func run() async throws {
            try await Aggregator.run()
        }
    }

    struct ImportRoster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-roster",
            abstract: "Import a roster CSV (header code,name,type,county,township,active[,lon,lat]; a location must lie inside MAP_BOUNDARIES) into the database of DATABASE_URL.")

        @Argument(help: "The CSV file (UTF-8).")
        var file: String

        func run() async throws {
            try await importFile(file) { text, progress in try await Aggregator.importRoster(text, progress: progress) }
        }
    }

    struct ImportDivisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-divisions",
            abstract: "Import a division directory CSV (header code,name: the city, its counties, their townships) into the database of DATABASE_URL.")

        @Argument(help: "The CSV file (UTF-8).")
        var file: String

        func run() async throws {
            try await importFile(file) { text, progress in try await Aggregator.importDivisions(text, progress: progress) }
        }
    }

    /// Reads `file`, imports it with a progress bar, prints the summary and every refused line;
    /// exit status 2 when a line was refused.
    static func importFile(
        _ file: String, _ run: (String, @escaping @Sendable (Int, Int) -> Void) async throws -> RosterImport.Summary
    ) async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw ValidationError("\(file) is not UTF-8") }
        let bar = ProgressBar()
        let summary = try await run(text) { done, total in bar.show(done, of: total) }
        bar.finish()
        print("\(summary.rows) rows: \(summary.added) added, \(summary.changed) changed, \(summary.unchanged) unchanged, \(summary.refused.count) refused")
        for refusal in summary.refused { print("  line \(refusal.line): \(refusal.reason)") }
        if !summary.refused.isEmpty { throw ExitCode(2) }
    }
}

/// A one-line progress bar on standard error: `[██████░░░░]  60%  33,600 / 56,000 rows`.
final class ProgressBar: Sendable {
    func show(_ done: Int, of total: Int) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let percent = total == 0 ? 100 : 100 * done / total
        let line =
            "\r[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] "
            + String(format: "%3d%%  ", percent) + "\(Display.count(done)) / \(Display.count(total)) rows"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
