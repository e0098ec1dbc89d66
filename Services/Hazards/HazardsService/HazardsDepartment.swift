import EventContract
import Intake
import ServiceSupport

/// 应急管理局: safety hazards (安全隐患) and accidents (事故).
///
/// A correction of an accident's casualty figures is a void of the report plus a new report:
/// the contract has no correction event, and a void with its reason keeps the trail explicit.
/// Inspections of key enterprises are not kept here: no figure of the command center uses them.
public enum HazardsDepartment {
    /// 安全隐患: found → rectifying (optional, bookkeeping) → rectified.
    public static let hazard = RecordKind(
        entity: .hazard, collection: "hazards", registers: .hazardFound, initialStatus: "found", openStatuses: ["found", "rectifying"],
        actions: [
            RecordAction(name: "start-rectification", event: nil, from: ["found"], to: "rectifying"),
            RecordAction(name: "rectify", event: .hazardRectified, from: ["found", "rectifying"], to: "rectified"),
        ],
        clerk: .hazardsClerk)

    /// 安全事故: reported; corrected by void and a new report.
    public static let accident = RecordKind(
        entity: .accident, collection: "accidents", registers: .accidentReported, initialStatus: "reported", openStatuses: [],
        actions: [], clerk: .hazardsClerk)

    public static var department: Department {
        Department(
            name: "hazards", source: .hazards, kinds: [hazard, accident], defaultPort: 8082,
            title: "ThreeZero hazards service (应急)",
            summary: "Safety hazards and their rectification, and accidents, of the emergency-management bureau.")
    }
}

extension Role {
    /// The emergency-management bureau's clerks (应急管理局): hazards and accidents.
    public static let hazardsClerk = Role(rawValue: "hazards_clerk")
}
