import EventContract
import Foundation
import Testing

@Suite struct CloudEventTests {
    @Test(arguments: Samples.dataOfEveryType)
    func everyTypeSurvivesTheRoundTrip(data: EventData) throws {
        let event = Samples.event(data)
        let decoded = try CloudEvent.decode(event.encoded())
        #expect(decoded == event)
    }

    @Test func encodesTheContractsEnvelope() throws {
        let event = Samples.event(Samples.dataOfEveryType[0], sequence: 7)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.encoded())) as? [String: Any])
        #expect(json["specversion"] as? String == "1.0")
        #expect(json["type"] as? String == "cn.threezero.petition.registered.v1")
        #expect(json["source"] as? String == "/departments/petitions")
        #expect(json["subject"] as? String == "140403001001")
        #expect(json["time"] as? String == "2026-03-01T09:30:00+08:00")
        #expect(json["sequence"] as? String == "00000000000000000007")
        #expect(json["datacontenttype"] as? String == "application/json")
        let data = try #require(json["data"] as? [String: Any])
        #expect(data["lodgedLevel"] as? String == "county")
        #expect(data["origin"] as? String == "self_found")
        #expect(data["persons"] as? Int == 3)
    }

    @Test func voidsNameTheirEntitysIdField() throws {
        let event = Samples.event(.voided(.init(entity: .securityProblem, recordId: Samples.id, reason: "重复")))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.encoded())) as? [String: Any])
        #expect(json["type"] as? String == "cn.threezero.security_problem.voided.v1")
        #expect((json["data"] as? [String: Any])?["problemId"] as? String == Samples.id)
    }

    /// The per-type answers are written out case by case (they are read for every event): they
    /// must say what the raw values and the source table say.
    @Test func everyTypesEntityVoidnessAndSourcesFollowItsName() {
        for type in EventType.allCases {
            #expect(type.entity.rawValue == String(type.rawValue.prefix { $0 != "." }), "\(type)")
            #expect(type.isVoid == type.rawValue.hasSuffix(".voided"), "\(type)")
            #expect(EventType(wireName: "cn.threezero.\(type.rawValue).v1") == type)
            for source in EventSource.allCases { #expect(type.mayComeFrom(source) == type.sources.contains(source), "\(type) from \(source)") }
        }
        #expect(EventType(wireName: "cn.threezero.petition.registered.v2") == nil)
        #expect(EventType(wireName: "petition.registered") == nil)
    }

    @Test func sequenceTextOrderIsNumberOrder() {
        let a = Samples.event(Samples.dataOfEveryType[0], sequence: 9).sequenceText
        let b = Samples.event(Samples.dataOfEveryType[0], sequence: 10).sequenceText
        #expect(a.count == 20 && b.count == 20)
        #expect(a < b)
    }

    @Test func acceptsIdsInUpperCaseAndNormalizesThem() throws {
        let data = Samples.petitionData.replacingOccurrences(of: Samples.id, with: Samples.id.uppercased())
        let event = try CloudEvent.decode(Samples.envelope(data: data))
        #expect(event.data.recordId == Samples.id)
    }

    @Test func uuidV7IsVersion7AndOrdered() throws {
        let first = UUIDv7.generate(at: Date(timeIntervalSince1970: 1_000))
        let second = UUIDv7.generate(at: Date(timeIntervalSince1970: 2_000))
        #expect(first < second)
        #expect(Array(first)[14] == "7")
        #expect(UUID(uuidString: first) != nil)
    }
}

/// Every way an event can be wrong is refused with a message that names the field and the fault.
@Suite struct CloudEventRefusalTests {
    func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try CloudEvent.decode(bytes)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func refusesWhatIsNotJSON() {
        #expect(refusal(Array("{not json".utf8)) == "not valid JSON")
        #expect(refusal(Array("[1,2]".utf8)) == "must be a JSON object, got an array")
    }

    @Test func refusesAMissingField() {
        let data = #"{"petitionId":"\#(Samples.id)","channel":"online","lodgedLevel":"unit","collective":false,"origin":"self_found","category":"x"}"#
        #expect(refusal(Samples.envelope(data: data)) == "data.persons: is required")
    }

    @Test func refusesAWrongType() {
        let data = Samples.petitionData.replacingOccurrences(of: #""persons":2"#, with: #""persons":"2""#)
        #expect(refusal(Samples.envelope(data: data)) == "data.persons: must be a whole number, got a string")
        let collective = Samples.petitionData.replacingOccurrences(of: #""collective":false"#, with: #""collective":0"#)
        #expect(refusal(Samples.envelope(data: collective)) == "data.collective: must be true or false, got a number")
    }

    @Test func refusesAnOutOfRangeNumber() {
        let data = Samples.petitionData.replacingOccurrences(of: #""persons":2"#, with: #""persons":0"#)
        #expect(refusal(Samples.envelope(data: data)) == "data.persons: must be between 1 and 100000, got 0")
        let fraction = Samples.petitionData.replacingOccurrences(of: #""persons":2"#, with: #""persons":1.5"#)
        #expect(refusal(Samples.envelope(data: fraction)) == "data.persons: must be a whole number, got a number")
    }

    @Test func refusesAnUnknownEnumValueAndListsTheAllowedOnes() {
        let data = Samples.petitionData.replacingOccurrences(of: #""channel":"online""#, with: #""channel":"fax""#)
        #expect(refusal(Samples.envelope(data: data)) == #"data.channel: "fax" is not one of: online, letter, visit, phone, hotline"#)
    }

    @Test func refusesAnUnknownField() throws {
        let data = Samples.petitionData.replacingOccurrences(of: "{", with: #"{"petitionerName":"张三","#)
        let message = try #require(refusal(Samples.envelope(data: data)))
        #expect(message.hasPrefix("data.petitionerName: is not a field of this contract"))
    }

    @Test func refusesAnUnknownTypeAndATypeFromTheWrongSource() {
        #expect(
            refusal(Samples.envelope(type: "cn.threezero.petition.escalated.v1", data: Samples.petitionData))
                == #"type: "cn.threezero.petition.escalated.v1" is not an event type of the contract (e.g. cn.threezero.petition.registered.v1)"#)
        #expect(
            refusal(Samples.envelope(source: "/departments/hazards", data: Samples.petitionData))
                == "type: cn.threezero.petition.registered.v1 may not come from /departments/hazards")
    }

    @Test func refusesBadSubjectCodes() {
        #expect(
            refusal(Samples.envelope(subject: "14040300100X", data: Samples.petitionData))
                == #"subject: subject code "14040300100X" is not a 12-digit division code: only digits are allowed"#)
        #expect(
            refusal(Samples.envelope(subject: "9114040373922853X1", data: Samples.petitionData))
                == #"subject: subject code "9114040373922853X1" has a wrong check character: expected 0, got 1"#)
        #expect(
            refusal(Samples.envelope(subject: "1404", data: Samples.petitionData))
                == #"subject: subject code "1404" must be a 12-digit division code or an 18-character unified social credit code (it has 4 characters)"#)
    }

    @Test func refusesTimesWithoutAnOffsetOrThatDoNotExist() {
        #expect(
            refusal(Samples.envelope(time: "2026-03-01T09:30:00", data: Samples.petitionData))
                == #"time: "2026-03-01T09:30:00" is not an RFC 3339 time with an offset, e.g. 2026-03-01T09:30:00+08:00"#)
        #expect(refusal(Samples.envelope(time: "2026-02-30T09:30:00+08:00", data: Samples.petitionData)) != nil)
    }

    @Test func refusesASequenceThatIsNotTwentyDigits() {
        #expect(
            refusal(Samples.envelope(sequence: "42", data: Samples.petitionData))
                == #"sequence: must be a 20-digit zero-padded number, got "42""#)
    }

    @Test func refusesAnIdThatIsNotAUUID() {
        let data = Samples.petitionData.replacingOccurrences(of: Samples.id, with: "P-2026-001")
        #expect(refusal(Samples.envelope(data: data)) == #"data.petitionId: "P-2026-001" is not a UUID"#)
    }

    @Test func refusesARosterEntryWhoseCodeDoesNotFitItsTypeOrCounty() {
        let wrongKind = #"{"code":"140403001001","name":"某企业","type":"enterprise","county":"140403","active":true}"#
        #expect(
            refusal(Samples.envelope(type: "cn.threezero.subject.upserted.v1", source: "/command/roster", data: wrongKind))
                == #"data.code: a enterprise must carry an 18-character unified social credit code, got "140403001001""#)
        let wrongCounty = #"{"code":"140403001001","name":"某村","type":"village","county":"140404","active":true}"#
        #expect(
            refusal(Samples.envelope(type: "cn.threezero.subject.upserted.v1", source: "/command/roster", data: wrongCounty))
                == #"data.county: "140404" is not the county inside the code "140403001001" (140403)"#)
    }
}
