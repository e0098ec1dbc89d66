import EventContract
import Intake
import ServiceSupport

/// 公安局: criminal and public-order cases, public-security problems, police-mediated disputes.
public enum CasesDepartment {
    /// 刑事/治安案件: filed → solved.
    public static let criminalCase = RecordKind(
        entity: .case, collection: "cases", registers: .caseFiled, initialStatus: "filed", openStatuses: ["filed"],
        actions: [RecordAction(name: "solve", event: .caseSolved, from: ["filed"], to: "solved")],
        clerk: .casesClerk)

    /// 治安问题: found → resolved.
    public static let securityProblem = RecordKind(
        entity: .securityProblem, collection: "security-problems", registers: .securityProblemFound, initialStatus: "found",
        openStatuses: ["found"],
        actions: [RecordAction(name: "resolve", event: .securityProblemResolved, from: ["found"], to: "resolved")],
        clerk: .casesClerk)

    public static var department: Department {
        Department(
            name: "cases", source: .cases, kinds: [criminalCase, securityProblem, .dispute(clerk: .casesClerk)], defaultPort: 8083,
            title: "ThreeZero cases service (公安)",
            summary: "Criminal and public-order cases, public-security problems and police-mediated disputes of the public-security bureau.")
    }
}

extension Role {
    /// The police clerks (公安局): cases, disputes and public-security problems.
    public static let casesClerk = Role(rawValue: "cases_clerk")
}
