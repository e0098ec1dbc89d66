// The closed vocabularies of the contract (DESIGN.md section 4). Raw values are the wire values.

/// 信访渠道
public enum PetitionChannel: String, Sendable, Hashable, CaseIterable, Codable {
    case online, letter, visit, phone, hotline
}

/// The level a petition was lodged at; anything above `unit` breaches zero petitions.
public enum LodgedLevel: String, Sendable, Hashable, CaseIterable, Codable {
    case unit, township, county, city, province, national
}

/// 本级自查 / 上级交办
public enum PetitionOrigin: String, Sendable, Hashable, CaseIterable, Codable {
    case selfFound = "self_found"
    case superiorAssigned = "superior_assigned"
}

/// 四级书记代办: the level whose Party secretary took the demand up.
public enum ProxyLevel: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case village, township, county, city

    public static func < (lhs: ProxyLevel, rhs: ProxyLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

public enum PetitionOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    case resolved, closed
}

public enum ResolutionMethod: String, Sendable, Hashable, CaseIterable, Codable {
    case mediation, adjudication, other
}

/// 一般隐患 / 重大隐患
public enum HazardSeverity: String, Sendable, Hashable, CaseIterable, Codable {
    case general, major
}

/// 刑事案件 / 治安案件
public enum CaseKind: String, Sendable, Hashable, CaseIterable, Codable {
    case criminal
    case publicOrder = "public_order"
}

/// 涉黑涉恶 / 毒品 / 两抢一盗 / 诈骗 / 暴力 / 其他
public enum CaseCategory: String, Sendable, Hashable, CaseIterable, Codable {
    case organizedCrime = "organized_crime"
    case drugs
    case robberyTheft = "robbery_theft"
    case fraud, violence, other
}

/// 村 / 社区 / 宗教活动场所 / 事业单位 / 企业
public enum SubjectType: String, Sendable, Hashable, CaseIterable, Codable {
    case village, community
    case religiousSite = "religious_site"
    case institution, enterprise

    /// Villages and communities carry division codes; the others unified social credit codes.
    public var codeKind: SubjectCode.Kind { self == .village || self == .community ? .division : .unifiedSocialCredit }
}

/// Who publishes: one source per department, plus the command center's roster.
public enum EventSource: String, Sendable, Hashable, CaseIterable, Codable {
    case petitions = "/departments/petitions"
    case hazards = "/departments/hazards"
    case cases = "/departments/cases"
    case roster = "/command/roster"
    case supervision = "/command/supervision"

    /// The topic this source publishes to.
    public var topic: String {
        switch self {
        case .petitions: "threezero.petitions.v1"
        case .hazards: "threezero.hazards.v1"
        case .cases: "threezero.cases.v1"
        case .roster: "threezero.roster.v1"
        case .supervision: "threezero.supervision.v1"
        }
    }
}
