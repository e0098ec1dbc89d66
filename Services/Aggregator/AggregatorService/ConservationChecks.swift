import ComplianceRules
import EventContract
import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// The conservation checks, run continuously and kept in `conservation_checks` (shown by
/// `/quality`, and as the gauge `aggregator_conservation_check_ok{check=…}`):
///
/// - `maintained_equals_recomputed`: this year's maintained figures equal a full recomputation
///   from the facts, county by county, metric by metric;
/// - `kinds_sum_to_total`: the ledger's kinds add up to its total;
/// - `counties_sum_to_city`: the counties' counters add up to the city's records (counted afresh);
/// - `resolved_within_found`: nowhere more resolved than found, nor more breaching subjects than subjects.
///
/// Each round reads one snapshot, so a batch applied meanwhile cannot make figures disagree.
struct ConservationChecks: Service {
    let db: PostgresClient
    let queries: ComplianceQueries
    let interval: Duration
    let logger: Logger

    struct Outcome: Sendable, Equatable {
        let name: String
        let problems: [String]
        var ok: Bool { problems.isEmpty }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for outcome in try await checkAndRecord() where !outcome.ok {
                    logger.error("conservation check failed", metadata: ["check": "\(outcome.name)", "problems": "\(outcome.problems.prefix(5))"])
                }
            } catch {
                logger.warning("conservation checks could not run", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Runs every check on one snapshot and stores the outcomes.
    func checkAndRecord() async throws -> [Outcome] {
        let queries = queries
        let outcomes = try await db.withConnection { conn in
            try conn.transaction { conn in
                try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return try Self.check(queries, on: conn)
            }
        }
        try await db.withTransaction { conn in
            for outcome in outcomes {
                try conn.query(
                    """
                    INSERT INTO conservation_checks (name, ok, detail, checked_at) VALUES ($1, $2, $3, now())
                    ON CONFLICT (name) DO UPDATE SET ok = excluded.ok, detail = excluded.detail, checked_at = now()
                    """, [outcome.name, outcome.ok, outcome.ok ? "holds" : outcome.problems.prefix(20).joined(separator: "; ")])
            }
            // Sequence numbers are stored as a row per source and batch; folding them keeps the gap report quick.
            try ViewMaintenance.lock(conn)
            try SequenceRuns.compact(on: conn)
        }
        for outcome in outcomes {
            Gauge(label: "aggregator_conservation_check_ok", dimensions: [("check", outcome.name)]).record(outcome.ok ? 1 : 0)
        }
        return outcomes
    }

    static func check(_ queries: ComplianceQueries, on conn: PostgresConnection) throws -> [Outcome] {
        let now = WallClock.system.now()
        let newest = try conn.query("SELECT (extract(epoch FROM max(newest_fact)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        let asOf = max(now, Timestamp(unixMicros: newest ?? now.unixMicros))
        let window = ComplianceQueries.Window(from: ChinaCalendar.startOfYear(ChinaCalendar.year(asOf)), asOf: asOf, knownAt: nil, county: nil)
        guard let maintained = try queries.maintained(window, on: conn) else { return [] }
        let recomputed = try queries.recomputed(window, on: conn)

        var differences: [String] = []
        for county in Set(maintained.keys).union(recomputed.keys).sorted() {
            differences += (maintained[county] ?? Figures()).differences(from: recomputed[county] ?? Figures()).map { "\(county) \($0)" }
        }
        let city = maintained.values.reduce(Figures(), +)
        var sums: [String] = []
        let problems = city.problems()
        for (name, ledger) in [("found", \ComplianceQueries.Ledger.found), ("resolved", \.resolved), ("open", \.open), ("overdue", \.overdue)] {
            let kinds = ProblemKind.allCases.map { problems[$0][keyPath: ledger] }.reduce(0, +)
            if kinds != problems.total[keyPath: ledger] { sums.append("\(name): kinds \(kinds) ≠ total \(problems.total[keyPath: ledger])") }
        }
        // The city straight from the record states, against the counties' counters added up.
        var counties: [String] = []
        let live = try conn.query(
            """
            SELECT entity, count(*), count(resolved_at) FROM record_state
            WHERE year = $1 AND entity IS NOT NULL AND voided_at IS NULL GROUP BY entity
            """, [ChinaCalendar.year(asOf)])
        var records = Figures()
        for row in live {
            let entity = Entity(rawValue: try row.decode(0))
            if let kind = entity.flatMap(ProblemKind.init(entity:)) {
                records.add(.found(kind), try row.decode(1))
                records.add(.resolved(kind), try row.decode(2))
            } else if entity == .petition {
                records.add(.petitionBatches, try row.decode(1))
            } else if entity == .accident {
                records.add(.accidents, try row.decode(1))
            }
        }
        for (metric, count) in records.values.sorted(by: { $0.key < $1.key }) {
            let sum = maintained.values.map { $0[metric] }.reduce(0, +)
            if sum != count { counties.append("\(metric): counties add up to \(sum), the city has \(count)") }
        }
        var bounds: [String] = []
        for (county, f) in maintained.sorted(by: { $0.key < $1.key }) {
            for kind in ProblemKind.allCases where f[.resolved(kind)] > f[.found(kind)] || f[.found(kind)] < 0 {
                bounds.append("\(county) \(kind.rawValue): resolved \(f[.resolved(kind)]) > found \(f[.found(kind)])")
            }
            for type in SubjectType.allCases where f[.breaching(nil, type)] > f[.subjects(type)] {
                bounds.append("\(county) \(type.rawValue): \(f[.breaching(nil, type)]) breaching > \(f[.subjects(type)]) subjects")
            }
        }
        return [
            Outcome(name: "maintained_equals_recomputed", problems: differences),
            Outcome(name: "kinds_sum_to_total", problems: sums),
            Outcome(name: "counties_sum_to_city", problems: counties),
            Outcome(name: "resolved_within_found", problems: bounds),
        ]
    }
}
