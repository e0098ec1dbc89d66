import EventContract
import Testing

@Suite struct SubjectCodeTests {
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L", "9114040373922853X0", "12140403MB1234567W"])
    func acceptsUnifiedSocialCreditCodesWithTheirCheckCharacter(code: String) throws {
        let subject = try SubjectCode(validating: code)
        #expect(subject.kind == .unifiedSocialCredit)
        #expect(subject.county == String(Array(code)[2..<8]))
    }

    @Test func everyWrongCheckCharacterIsRefused() {
        let body = "9114040373922853X"
        let refused = "0123456789ABCDEFGHJKLMNPQRTUWXY".filter { ch in
            (try? SubjectCode(validating: body + String(ch))) == nil
        }
        #expect(refused.count == 30)
        #expect(!refused.contains("0"))
    }

    @Test func divisionCodesCarryTheirCounty() throws {
        let village = try SubjectCode(validating: "140427203001")
        #expect(village.kind == .division)
        #expect(village.county == "140427")
    }

    @Test func refusesLettersTheCreditAlphabetLeavesOut() {
        #expect(throws: ContractViolation.self) { try SubjectCode(validating: "91350100M000100I43") }
        #expect(throws: ContractViolation.self) { try SubjectCode(validating: "990000000000") }
    }
}

@Suite struct TimestampTests {
    @Test func parsesOffsetsToTheSameInstant() throws {
        let local = try #require(Timestamp(rfc3339: "2026-03-01T09:30:00+08:00"))
        let utc = try #require(Timestamp(rfc3339: "2026-03-01T01:30:00Z"))
        #expect(local.unixMicros == utc.unixMicros)
        #expect(local.unixMicros == 1_772_328_600_000_000)
    }

    @Test func formatsWithTheOffsetItWasGiven() throws {
        #expect(Timestamp(rfc3339: "2026-03-01T09:30:00.250+08:00")?.description == "2026-03-01T09:30:00.25+08:00")
        #expect(Timestamp(rfc3339: "1999-12-31T23:59:59-05:30")?.description == "1999-12-31T23:59:59-05:30")
        #expect(Timestamp(unixMicros: 0, utcOffsetMinutes: 0).description == "1970-01-01T00:00:00Z")
    }

    @Test func knowsLeapYears() {
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00+08:00") != nil)
        #expect(Timestamp(rfc3339: "2026-02-29T00:00:00+08:00") == nil)
        #expect(Timestamp(rfc3339: "2026-13-01T00:00:00+08:00") == nil)
        #expect(Timestamp(rfc3339: "2026-01-01T24:00:00+08:00") == nil)
    }
}
