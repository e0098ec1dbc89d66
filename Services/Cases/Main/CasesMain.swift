import CasesService
import Intake

/// `cases`: the public-security bureau's service (configuration: see the README).
@main
struct CasesMain {
    static func main() async throws {
        try await CasesDepartment.department.run()
    }
}
