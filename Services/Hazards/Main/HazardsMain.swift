import HazardsService
import Intake

/// `hazards`: the emergency-management bureau's service (configuration: see the README).
@main
struct HazardsMain {
    static func main() async throws {
        try await HazardsDepartment.department.run()
    }
}
