import ComplianceRules
import EventContract
import Testing

@Suite struct MetricAndRankingTests {
    static let every: [Metric] =
        SubjectType.allCases.flatMap { t in [Metric.subjects(t), .breaching(nil, t)] + Zero.allCases.map { .breaching($0, t) } }
        + ProblemKind.allCases.flatMap { [Metric.found($0), .resolved($0), .overdue($0), .openDue($0, month: "2026-03")] }
        + [.petitionBatches, .petitionPersons, .petitionOnline, .accidents, .criminalCases]
        + PetitionOrigin.allCases.map(Metric.petitionOrigin) + ProxyLevel.allCases.map(Metric.petitionProxied)

    /// The names are what the database keeps: each metric has its own and reads back as itself.
    @Test func everyMetricHasOneNameThatReadsBack() {
        #expect(Set(Self.every.map(\.name)).count == Self.every.count)
        for metric in Self.every { #expect(Metric(name: metric.name) == metric, "\(metric.name)") }
        for name in [
            "", "subjects", "subjects.castle", "breach.petition", "breach.theft.village", "found.accident", "petition.proxy.0",
            "petition.proxy.5", "petition.origin.rumour", "open_due.hazard", "accident", "case.civil",
        ] {
            #expect(Metric(name: name) == nil, "\(name)")
        }
        #expect(Metric.breaching(nil, .religiousSite).name == "breach.any.religious_site")
        #expect(Metric.petitionProxied(.village).name == "petition.proxy.1" && Metric.petitionProxied(.city).name == "petition.proxy.4")
    }

    /// Higher resolution rate first; then higher compliance; then the code.
    @Test func theRankingOrder() {
        let keys = [
            RankingKey(code: "140403", resolutionRate: 0.9, complianceRate: 0.5),
            RankingKey(code: "140402", resolutionRate: 0.9, complianceRate: 0.8),
            RankingKey(code: "140401", resolutionRate: 0.7, complianceRate: 1.0),
            RankingKey(code: "140405", resolutionRate: 0.9, complianceRate: 0.8),
            RankingKey(code: "140404", resolutionRate: 1.0, complianceRate: 0.1),
        ]
        #expect(keys.sorted { $0.ranksAbove($1) }.map(\.code) == ["140404", "140402", "140405", "140403", "140401"])
        for a in keys { #expect(!a.ranksAbove(a)) }
    }

    @Test func aShareOfNothingIsWhole() {
        #expect(share(0, of: 0) == 1)
        #expect(share(3, of: 4) == 0.75)
    }
}
