import EventContract
import Simulation
import Testing

@Suite struct ActivityTests {
    static let city = City(size: 2_000, seed: 11)
    static let start = Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!
    static let end = Timestamp(rfc3339: "2026-07-01T00:00:00+08:00")!

    static func all(seed: UInt64 = 5) -> [Activity.Action] {
        var activity = Activity(city: city, start: start, end: end, seed: seed)
        return Array(sequence(state: ()) { _ in activity.next() })
    }

    @Test func theSameSeedGivesTheSameActivity() {
        let a = Self.all(), b = Self.all(), c = Self.all(seed: 6)
        #expect(a.map(\.time) == b.map(\.time) && a.map(\.fields) == b.map(\.fields))
        #expect(a.map(\.time) != c.map(\.time))
    }

    @Test func actionsComeInTimeOrderWithinThePeriodAndEachRecordIsRegisteredFirst() {
        let actions = Self.all()
        #expect(zip(actions, actions.dropFirst()).allSatisfy { $0.time <= $1.time })
        #expect(actions.allSatisfy { $0.time >= Self.start && $0.time < Self.end })
        var registered: Set<Int> = [], voided: Set<Int> = []
        for action in actions {
            if action.action == nil {
                #expect(registered.insert(action.record).inserted, "a record registered twice")
            } else {
                #expect(registered.contains(action.record), "\(action.action!) before the registration")
                #expect(!voided.contains(action.record), "\(action.action!) after a void")
                if action.action == "void" { voided.insert(action.record) }
            }
        }
    }

    @Test func theCityDoesSomethingOfEverythingInRealisticShares() {
        let actions = Self.all()
        let registrations = actions.filter { $0.action == nil }
        let byKind = Dictionary(grouping: registrations, by: \.kind)
        for kind in Activity.Kind.allCases { #expect(!(byKind[kind] ?? []).isEmpty, "no \(kind)") }
        // Hazards and disputes dominate; accidents are rare.
        #expect(byKind[.hazard]!.count > 5 * byKind[.accident]!.count)
        let petitions = byKind[.petition]!
        let online = petitions.filter { $0.fields["channel"] == "online" }.count
        #expect(Double(online) / Double(petitions.count) > 0.5, "a majority online")
        #expect(petitions.contains { $0.fields["lodgedLevel"] != "unit" } && petitions.contains { $0.fields["collective"] == true })
        for name in ["proxy", "resolve", "rectify", "solve", "void"] { #expect(actions.contains { $0.action == name }, "no \(name)") }
        // Every petition carries a petitioner whose resident ID passes its check.
        for petition in petitions.prefix(200) {
            guard case .object(let p)? = petition.fields["petitioner"], case .string(let id)? = p["idNumber"] else {
                Issue.record("no petitioner")
                continue
            }
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            let sum = zip(id.utf8.prefix(17), weights).reduce(0) { $0 + Int($1.0 - 48) * $1.1 }
            #expect(Array("10X98765432")[sum % 11] == id.last)
        }
    }

    @Test func theTallyCountsWhatWasAcceptedAsOfADate() {
        let actions = Self.all()
        var tally = Tally()
        for action in actions { tally.accepted(action, at: action.time) }
        let asOf = Timestamp(rfc3339: "2026-06-30T23:59:59+08:00")!
        let overview = tally.overview(city: Self.city, from: Self.start, asOf: asOf)
        let hazards = actions.filter { $0.kind == .hazard }
        let voided = Set(hazards.filter { $0.action == "void" }.map(\.record))
        let found = hazards.filter { $0.action == nil && !voided.contains($0.record) }.count
        let rectified = hazards.filter { $0.action == "rectify" }.count
        #expect(
            overview.problems["hazard"]
                == Ledger(
                    found: found, resolved: rectified, open: found - rectified,
                    overdue: overview.problems["hazard"]!.overdue))
        #expect(overview.problems["hazard"]!.overdue > 0 && overview.problems["hazard"]!.overdue < found - rectified + 1)
        let total = overview.problems["total"]!
        #expect(total.found == ["dispute", "hazard", "security"].map { overview.problems[$0]!.found }.reduce(0, +))
        #expect(overview.subjects.total == 2_000 && overview.compliance["overall"]!.total == 2_000)
        #expect(
            overview.compliance["rural"]!.total + overview.compliance["enterpriseInstitution"]!.total
                + overview.compliance["religiousSite"]!.total == 2_000)
        // Mostly compliant, not entirely.
        let rate = Double(overview.compliance["overall"]!.compliant) / 2_000
        #expect(rate > 0.8 && rate < 1, "\(rate)")
        // As of the first day, almost nothing has happened yet.
        let early = tally.overview(city: Self.city, from: Self.start, asOf: Timestamp(rfc3339: "2026-01-01T23:59:59+08:00")!)
        #expect(early.problems["total"]!.found < total.found / 50)
    }
}
