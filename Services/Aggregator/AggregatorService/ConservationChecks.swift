import ComplianceRules
import Divisions
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
///   from the facts, township by township, metric by metric;
/// - `townships_sum_to_county`: each county's counters are its townships' added up, metric by
///   metric, and match the county's records and active subjects counted afresh (by the county in
///   each record's and subject's code);
/// - `kinds_sum_to_total`: the ledger's kinds add up to its total;
/// - `counties_sum_to_city`: the city's counters are its counties' added up, metric by metric, and
///   match the city's records (counted afresh);
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

    /// Where the counters of a level (`wholes`, by division) differ from those of the level below
    /// added up (`parts`, by the same division), metric by metric.
    static func levelsAddUp(parts: [String: Figures], wholes: [String: Figures], of below: String) -> [String] {
        Set(parts.keys).union(wholes.keys).sorted().flatMap { division in
            let (sum, whole) = (parts[division] ?? Figures(), wholes[division] ?? Figures())
            return Set(sum.values.keys).union(whole.values.keys).sorted().compactMap { metric in
                sum[metric] == whole[metric] ? nil : "\(division.isEmpty ? "city" : division) \(metric): \(below) add up to \(sum[metric]), its counter is \(whole[metric])"
            }
        }
    }

    /// The counties' records of `year` and active subjects counted afresh, by the county in their
    /// codes, against the counties' counters (`counties`).
    static func countiesMatchRecords(_ counties: [String: Figures], year: Int64, on conn: PostgresConnection) throws -> [String] {
        var counted: [String: Figures] = [:]
        for row in try conn.query(
            """
            SELECT county, entity, count(*), count(resolved_at) FROM record_state
            WHERE year = $1 AND entity IS NOT NULL AND voided_at IS NULL GROUP BY county, entity
            """, [year])
        {
            let county: String = try row.decode(0)
            let entity = Entity(rawValue: try row.decode(1))
            if let kind = entity.flatMap(ProblemKind.init(entity:)) {
                counted[county, default: Figures()].add(.found(kind), try row.decode(2))
                counted[county, default: Figures()].add(.resolved(kind), try row.decode(3))
            } else if entity == .petition {
                counted[county, default: Figures()].add(.petitionBatches, try row.decode(2))
            } else if entity == .accident {
                counted[county, default: Figures()].add(.accidents, try row.decode(2))
            }
        }
        for row in try conn.query("SELECT county, type, count(*) FROM subjects WHERE active GROUP BY county, type") {
            guard let type = SubjectType(rawValue: try row.decode(1)) else { continue }
            counted[try row.decode(0), default: Figures()].add(.subjects(type), try row.decode(2))
        }
        var problems: [String] = []
        for county in Set(counted.keys).union(counties.keys).sorted() {
            let f = counted[county] ?? Figures()
            let sums = counties[county] ?? Figures()
            for metric in f.values.keys.sorted() where sums[metric] != f[metric] {
                problems.append("\(county) \(metric): the county's counter is \(sums[metric]), its records \(f[metric])")
            }
        }
        return problems
    }

    static func check(_ queries: ComplianceQueries, on conn: PostgresConnection) throws -> [Outcome] {
        let now = WallClock.system.now()
        let newest = try conn.query("SELECT (extract(epoch FROM max(newest_fact)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        let asOf = max(now, Timestamp(unixMicros: newest ?? now.unixMicros))
        let window = ComplianceQueries.Window(from: ChinaCalendar.startOfYear(ChinaCalendar.year(asOf)), asOf: asOf, knownAt: nil, county: nil)
        guard let townships = try queries.maintained(window, by: .township, on: conn) else { return [] }
        let recomputed = try queries.recomputed(window, by: .township, on: conn)

        var differences: [String] = []
        for township in Set(townships.keys).union(recomputed.keys).sorted() {
            differences += (townships[township] ?? Figures()).differences(from: recomputed[township] ?? Figures()).map { "\(township) \($0)" }
        }
        // Each level keeps its own counters: a county's must be its townships' added up, the city's its counties'.
        let maintained = try queries.maintained(window, by: .county, on: conn) ?? [:]
        let city = try queries.maintained(window, by: .city, on: conn)?[""] ?? Figures()
        var townshipsAddedUp: [String: Figures] = [:]
        for (township, f) in townships { townshipsAddedUp[String(township.prefix(6)), default: Figures()] = townshipsAddedUp[String(township.prefix(6)), default: Figures()] + f }
        var townshipSums = Self.levelsAddUp(parts: townshipsAddedUp, wholes: maintained, of: "townships")
        townshipSums += try Self.countiesMatchRecords(maintained, year: ChinaCalendar.year(asOf), on: conn)
        var sums: [String] = []
        let problems = city.problems()
        for (name, ledger) in [("found", \ComplianceQueries.Ledger.found), ("resolved", \.resolved), ("open", \.open), ("overdue", \.overdue)] {
            let kinds = ProblemKind.allCases.map { problems[$0][keyPath: ledger] }.reduce(0, +)
            if kinds != problems.total[keyPath: ledger] { sums.append("\(name): kinds \(kinds) ≠ total \(problems.total[keyPath: ledger])") }
        }
        // The city's counters against its counties', and straight from the record states.
        var counties = Self.levelsAddUp(parts: ["": maintained.values.reduce(Figures(), +)], wholes: ["": city], of: "counties")
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
        for (metric, count) in records.values.sorted(by: { $0.key < $1.key }) where city[metric] != count {
            counties.append("\(metric): the city's counter is \(city[metric]), its records \(count)")
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
            Outcome(name: "townships_sum_to_county", problems: townshipSums),
            Outcome(name: "kinds_sum_to_total", problems: sums),
            Outcome(name: "counties_sum_to_city", problems: counties),
            Outcome(name: "resolved_within_found", problems: bounds),
        ]
    }
}
