import Geography

/// What the map colours its divisions by (`/map?figure=…`): a compliance rate against its target,
/// the resolution rate, overdue problems, or breaching subjects.
enum MapFigure: String, CaseIterable, Sendable {
    case rural, enterpriseInstitution, resolution, overdue, breaching

    var label: String {
        switch self {
        case .rural: "村(社区)达标率"
        case .enterpriseInstitution: "企事业单位达标率"
        case .resolution: "问题解决率"
        case .overdue: "逾期问题"
        case .breaching: "未达标主体"
        }
    }

    func value(_ d: ComplianceQueries.DivisionFigures) -> Double {
        switch self {
        case .rural: d.compliance.rural.rate
        case .enterpriseInstitution: d.compliance.enterpriseInstitution.rate
        case .resolution: d.problems.total.rate
        case .overdue: Double(d.problems.total.overdue)
        case .breaching: Double(d.compliance.overall.total - d.compliance.overall.compliant)
        }
    }

    func display(_ d: ComplianceQueries.DivisionFigures) -> String {
        switch self {
        case .rural, .enterpriseInstitution, .resolution: Display.percent(value(d))
        case .overdue, .breaching: Display.count(Int(value(d)))
        }
    }

    /// The legend for this figure over `divisions` (counts are classed up to the largest shown).
    func legend(_ divisions: [ComplianceQueries.DivisionFigures], settings: ComplianceQueries.Settings) -> Legend {
        switch self {
        case .rural: .rate(target: settings.ruralTarget)
        case .enterpriseInstitution: .rate(target: settings.enterpriseInstitutionTarget)
        case .resolution: .shares
        case .overdue, .breaching: .counts(upTo: Int(divisions.map(value).max() ?? 0))
        }
    }
}
