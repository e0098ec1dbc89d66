import ComplianceRules
import EventContract
import Testing

/// What breaches a zero (DESIGN.md section 5), in Swift as the view applies it.
@Suite struct BreachRuleTests {
    @Test(arguments: [
        (LodgedLevel.unit, false, nil as Zero?), (.unit, true, .petition), (.township, false, .petition),
        (.county, false, .petition), (.city, true, .petition), (.province, false, .petition), (.national, false, .petition),
    ])
    func aPetitionBreachesAboveTheUnitOrWhenCollective(lodged: LodgedLevel, collective: Bool, zero: Zero?) {
        #expect(Zero.breached(by: Events.petition(lodged: lodged, collective: collective)) == zero)
    }

    @Test(arguments: [(0 as Int64, 0 as Int64, false), (1, 0, true), (0, 1, true), (3, 7, true), (0, 10_000, true)])
    func anAccidentBreachesWithADeathOrAnInjury(deaths: Int64, injuries: Int64, breaches: Bool) {
        #expect(Zero.breached(by: Events.accident(deaths: deaths, injuries: injuries)) == (breaches ? .accident : nil))
    }

    @Test(arguments: [(CaseKind.criminal, false, true), (.criminal, true, true), (.publicOrder, false, false), (.publicOrder, true, true)])
    func aCaseBreachesWhenCriminalOrOfMajorImpact(kind: CaseKind, majorImpact: Bool, breaches: Bool) {
        #expect(Zero.breached(by: Events.criminalCase(kind, majorImpact: majorImpact)) == (breaches ? .case : nil))
    }

    @Test func nothingButARegistrationBreaches() {
        let others: [EventData] = [
            .petitionProxied(PetitionProxied(petitionId: "p-1", level: .city)),
            .petitionResolved(PetitionResolved(petitionId: "p-1", outcome: .resolved)),
            .disputeFound(DisputeFound(disputeId: "d-1", category: "土地")),
            .hazardFound(HazardFound(hazardId: "h-1", category: "燃气", severity: .major, deadline: Events.march1)),
            .voided(RecordVoided(entity: .petition, recordId: "p-1", reason: "录入错误")),
        ]
        for data in others { #expect(Zero.breached(by: data) == nil, "\(data.type)") }
    }

    /// The rule Postgres evaluates is rendered from the same conditions: each zero's SQL names its
    /// registration and every column its rule reads, and the subject page's index predicate covers
    /// every zero and the voids.
    @Test func theSQLIsRenderedFromTheSameRule() {
        for zero in Zero.allCases {
            #expect(zero.factSQL.contains("type = '\(zero.registration.rawValue)'"))
            #expect(Zero.behindBreachesSQL.contains(zero.factSQL))
            #expect(Zero.breachedZeroSQL.contains("WHEN \(zero.factSQL) THEN '\(zero.rawValue)'"))
        }
        #expect(Zero.accident.breachRule.sql == "deaths + injuries >= 1")
        #expect(Zero.petition.breachRule.sql == "lodged_level <> 'unit' OR collective")
        #expect(Zero.case.breachRule.operand == "(kind = 'criminal' OR (kind = 'public_order' AND major_impact))")
        #expect(Zero.behindBreachesSQL.hasSuffix("OR type LIKE '%.voided')"))
        #expect(SQL.literal("o'clock") == "'o''clock'")
        #expect(SQL.list(ProblemKind.allCases.map(\.rawValue)) == ProblemKind.entitiesSQL)
    }
}
