import EventContract
import Testing

/// Every number and time of the contract has a range: at its edge accepted, one step beyond
/// refused with the field's path and the range in the message — so that nothing downstream can
/// overflow on a value one clerk typed or another producer published.
@Suite struct BoundsTests {
    static let accident = Samples.id

    func accident(deaths: String = "0", injuries: String = "1", loss: String? = nil) -> [UInt8] {
        Samples.envelope(
            type: "cn.threezero.accident.reported.v1", source: "/departments/hazards",
            data: """
                {"accidentId":"\(Self.accident)","kind":"道路交通","deaths":\(deaths),"injuries":\(injuries)\(loss.map { ",\"directLossYuan\":\($0)" } ?? "")}
                """)
    }

    func refusal(_ bytes: [UInt8]) -> ContractViolation? {
        do {
            _ = try CloudEvent.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func casualtiesUpToTenThousand() throws {
        let event = try CloudEvent.decode(accident(deaths: "10000", injuries: "10000"))
        guard case .accidentReported(let a) = event.data else { Issue.record("not an accident"); return }
        #expect(a.deaths == 10_000 && a.injuries == 10_000)
        let beyond = try #require(refusal(accident(deaths: "10001")))
        #expect(beyond.path == "data.deaths")
        #expect(beyond.message.contains("between 0 and 10000"), "\(beyond)")
        // The value that stopped the whole view once: refused at the door now.
        let typo = try #require(refusal(accident(deaths: "2147483647", injuries: "1")))
        #expect(typo.path == "data.deaths")
        #expect(try #require(refusal(accident(injuries: "-1"))).path == "data.injuries")
        // Beyond 64 bits it is a number out of range, not a crash.
        #expect(refusal(accident(deaths: "18446744073709551616")) != nil)
    }

    @Test func personsUpToOneHundredThousand() throws {
        func petition(_ persons: String) -> [UInt8] {
            Samples.envelope(
                data: """
                    {"petitionId":"\(Samples.id)","channel":"online","persons":\(persons),"lodgedLevel":"unit","collective":false,"origin":"self_found","category":"劳资"}
                    """)
        }
        #expect(refusal(petition("100000")) == nil)
        let beyond = try #require(refusal(petition("100001")))
        #expect(beyond.path == "data.persons" && beyond.message.contains("between 1 and 100000"), "\(beyond)")
        #expect(try #require(refusal(petition("4611686018427387904"))).path == "data.persons")  // 2^62
        #expect(try #require(refusal(petition("0"))).path == "data.persons")
    }

    @Test func suspectsUpToTenThousand() throws {
        func solved(_ suspects: String) -> [UInt8] {
            Samples.envelope(
                type: "cn.threezero.case.solved.v1", source: "/departments/cases",
                data: """
                    {"caseId":"\(Samples.id)","suspects":\(suspects)}
                    """)
        }
        #expect(refusal(solved("10000")) == nil)
        #expect(try #require(refusal(solved("10001"))).path == "data.suspects")
    }

    @Test func directLossUpToATrillionYuan() throws {
        #expect(refusal(accident(loss: "1000000000000")) == nil)
        let beyond = try #require(refusal(accident(loss: "1000000000000.5")))
        #expect(beyond.path == "data.directLossYuan", "\(beyond)")
        #expect(try #require(refusal(accident(loss: "1e300"))).path == "data.directLossYuan")
    }

    @Test func timesFrom1990ToTheEndOf2100() throws {
        func hazard(deadline: String, time: String = "2026-03-01T09:30:00+08:00") -> [UInt8] {
            Samples.envelope(
                type: "cn.threezero.hazard.found.v1", source: "/departments/hazards", time: time,
                data: """
                    {"hazardId":"\(Samples.id)","category":"消防","severity":"general","deadline":"\(deadline)"}
                    """)
        }
        #expect(refusal(hazard(deadline: "2100-12-31T23:59:59Z")) == nil)
        #expect(refusal(hazard(deadline: "1990-01-01T08:00:00+08:00")) == nil)
        let far = try #require(refusal(hazard(deadline: "9999-12-31T23:59:59-14:00")))
        #expect(far.path == "data.deadline" && far.message.contains("2100"), "\(far)")
        #expect(try #require(refusal(hazard(deadline: "2101-01-01T00:00:00Z"))).path == "data.deadline")
        #expect(try #require(refusal(hazard(deadline: "1989-12-31T23:59:59Z"))).path == "data.deadline")
        #expect(try #require(refusal(hazard(deadline: "2026-04-01T00:00:00+08:00", time: "1970-01-01T00:00:00Z"))).path == "time")
    }

    @Test func sequenceUpToTenToTheEighteenLessOne() throws {
        let largest = Samples.envelope(sequence: "00999999999999999999", data: Samples.petitionData)
        #expect(try CloudEvent.decode(largest).sequence == 999_999_999_999_999_999)
        let beyond = try #require(refusal(Samples.envelope(sequence: "01000000000000000000", data: Samples.petitionData)))
        #expect(beyond.path == "sequence")
        #expect(try #require(refusal(Samples.envelope(sequence: "09223372036854775807", data: Samples.petitionData))).path == "sequence")
        #expect(try #require(refusal(Samples.envelope(sequence: "18446744073709551615", data: Samples.petitionData))).path == "sequence")
    }

    @Test func theSchemaFragmentsCarryTheRanges() throws {
        let deaths = try #require(AccidentReported.fields.first { $0.name == "deaths" })
        #expect(deaths.jsonSchema["maximum"] == .integer(10_000))
        #expect(deaths.jsonSchema["minimum"] == .integer(0))
        let deadline = try #require(HazardFound.fields.first { $0.name == "deadline" })
        #expect(deadline.jsonSchema["pattern"] == .string(Bounds.timePattern))
    }

    @Test func anUnknownTypeIsToldApartFromPoison() throws {
        let unknown = try #require(refusal(Samples.envelope(type: "cn.threezero.inspection.recorded.v1", data: "{}")))
        #expect(unknown.isUnknownType)
        let broken = try #require(refusal(Samples.envelope(type: "cn.threezero.accident.reported.v1", source: "/departments/hazards", data: "{}")))
        #expect(!broken.isUnknownType)
    }
}
