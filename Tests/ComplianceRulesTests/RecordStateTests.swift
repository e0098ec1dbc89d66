import ComplianceRules
import EventContract
import Testing

/// A record's facts merge to the same state in any order; what a state counts.
@Suite struct RecordStateTests {
    static func merged(_ events: some Sequence<CloudEvent>) -> RecordState {
        var state = RecordState(recordId: "r-1", subject: Events.village.rawValue, county: Events.village.county)
        for event in events { state.merge(event) }
        return state
    }

    /// Every order of a petition's registration, three proxies, two resolutions and a void.
    @Test func factsMergeTheSameInAnyOrder() {
        let t = Events.march1
        let events = [
            Events.event(Events.petition(lodged: .county, collective: false, channel: .online), at: t),
            Events.event(.petitionProxied(PetitionProxied(petitionId: "p-1", level: .township)), at: Events.at(t, plusDays: 1)),
            Events.event(.petitionProxied(PetitionProxied(petitionId: "p-1", level: .county)), at: Events.at(t, plusDays: 2)),
            Events.event(.petitionProxied(PetitionProxied(petitionId: "p-1", level: .village)), at: Events.at(t, plusDays: 3)),
            Events.event(.petitionResolved(PetitionResolved(petitionId: "p-1", outcome: .resolved)), at: Events.at(t, plusDays: 9)),
            Events.event(.petitionResolved(PetitionResolved(petitionId: "p-1", outcome: .closed)), at: Events.at(t, plusDays: 5)),
            Events.event(.voided(RecordVoided(entity: .petition, recordId: "p-1", reason: "重复")), at: Events.at(t, plusDays: 20)),
        ]
        let expected = Self.merged(events)
        #expect(expected.entity == .petition && expected.breach == .petition && expected.online == true)
        #expect(expected.proxyLevel == Metric.proxyRank(.county))
        #expect(expected.resolvedAt == Events.at(t, plusDays: 5))
        #expect(expected.voidedAt == Events.at(t, plusDays: 20))
        #expect(expected.registeredAt == t)
        var orders = 0
        for order in Self.permutations(Array(events.indices)) {
            #expect(Self.merged(order.map { events[$0] }) == expected, "order \(order)")
            orders += 1
        }
        #expect(orders == 5_040)
    }

    /// A second registration of the same record (a department publishing it again) changes nothing.
    @Test func theFirstRegistrationSaysWhatTheRecordIs() {
        let breaching = Events.event(Events.petition(lodged: .city, collective: false), at: Events.march1)
        let quiet = Events.event(Events.petition(lodged: .unit, collective: false), at: Events.at(Events.march1, plusDays: 1))
        #expect(Self.merged([breaching, quiet]).breach == .petition)
        #expect(Self.merged([quiet, breaching]).breach == nil)
    }

    @Test func aVoidedRecordCountsNothing() {
        let found = Events.event(.hazardFound(HazardFound(hazardId: "h-1", category: "燃气", severity: .general, deadline: Events.march1)))
        let voided = Events.event(.voided(RecordVoided(entity: .hazard, recordId: "h-1", reason: "误报")))
        #expect(Self.merged([found]).figures(defaultDeadlineDays: 30).count == 2)
        #expect(Self.merged([found, voided]).figures(defaultDeadlineDays: 30).isEmpty)
        #expect(!Self.merged([voided]).isLive)
    }

    /// An open problem counts under the China Standard Time month it falls due: its deadline, or
    /// the default days after registration; a resolved one as found and resolved.
    @Test func anOpenProblemCountsUnderTheMonthItFallsDue() {
        // 2026-03-31T16:30Z is 2026-04-01 00:30 in Beijing.
        let deadline = Timestamp(rfc3339: "2026-03-31T16:30:00Z")!
        let withDeadline = Self.merged([Events.event(.disputeFound(DisputeFound(disputeId: "d-1", category: "土地", deadline: deadline)))])
        #expect(withDeadline.figures(defaultDeadlineDays: 30).map(\.metric) == [.found(.dispute), .openDue(.dispute, month: "2026-04")])
        // Registered 1 March 09:00, no deadline: due 30 days later (31 March) or 31 days later (1 April).
        let without = Self.merged([Events.event(.securityProblemFound(SecurityProblemFound(problemId: "s-1", category: "治安")), source: .cases)])
        #expect(without.due(defaultDeadlineDays: 30) == Events.at(Events.march1, plusDays: 30))
        #expect(without.figures(defaultDeadlineDays: 30).map(\.metric) == [.found(.securityProblem), .openDue(.securityProblem, month: "2026-03")])
        #expect(without.figures(defaultDeadlineDays: 31).map(\.metric) == [.found(.securityProblem), .openDue(.securityProblem, month: "2026-04")])
        var resolved = without
        resolved.merge(Events.event(.securityProblemResolved(SecurityProblemResolved(problemId: "s-1")), at: Events.at(Events.march1, plusDays: 3)))
        #expect(resolved.figures(defaultDeadlineDays: 30).map(\.metric) == [.found(.securityProblem), .resolved(.securityProblem)])
        #expect(Self.merged([Events.event(Events.accident(deaths: 0, injuries: 1))]).due(defaultDeadlineDays: 30) == nil)
    }

    @Test func overdueIsOpenAndPastDueAtTheTimeAsked() {
        let due = Events.march1
        let before = Events.at(due, plusDays: -1), after = Events.at(due, plusDays: 1)
        #expect(!ProblemKind.isOverdue(due: due, resolvedAt: nil, asOf: before))
        #expect(!ProblemKind.isOverdue(due: due, resolvedAt: nil, asOf: due))
        #expect(ProblemKind.isOverdue(due: due, resolvedAt: nil, asOf: after))
        #expect(!ProblemKind.isOverdue(due: due, resolvedAt: before, asOf: after))
        #expect(ProblemKind.isOverdue(due: due, resolvedAt: Events.at(due, plusDays: 5), asOf: after), "resolved only later: overdue then")
    }

    @Test func chinaStandardTimeDecidesTheMonthAndTheYear() {
        #expect(ChinaCalendar.month(Timestamp(rfc3339: "2026-12-31T15:59:59Z")!) == "2026-12")
        #expect(ChinaCalendar.month(Timestamp(rfc3339: "2026-12-31T16:00:00Z")!) == "2027-01")
        #expect(ChinaCalendar.year(Timestamp(rfc3339: "2026-12-31T16:00:00Z")!) == 2027)
        #expect(ChinaCalendar.year(Timestamp(rfc3339: "1969-12-31T15:00:00Z")!) == 1969)
        #expect(ChinaCalendar.startOfMonth(Timestamp(rfc3339: "2026-02-14T12:00:00+08:00")!).unixMicros == Timestamp(rfc3339: "2026-02-01T00:00:00+08:00")!.unixMicros)
        #expect(ChinaCalendar.startOfYear(2026).unixMicros == Timestamp(rfc3339: "2025-12-31T16:00:00Z")!.unixMicros)
    }

    @Test func aPetitionCountsItsBatchPersonsChannelOriginAndHighestProxy() {
        var state = Self.merged([Events.event(Events.petition(lodged: .unit, collective: true, channel: .online))])
        state.merge(Events.event(.petitionProxied(PetitionProxied(petitionId: "p-1", level: .city))))
        let figures = Dictionary(uniqueKeysWithValues: state.figures(defaultDeadlineDays: 30).map { ($0.metric, $0.value) })
        #expect(figures == [.petitionBatches: 1, .petitionPersons: 5, .petitionOnline: 1, .petitionOrigin(.selfFound): 1, .petitionProxied(.city): 1])
    }

    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(rest).map { [first] + $0 }
        }
    }
}
