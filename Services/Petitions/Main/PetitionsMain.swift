import Configuration
import Intake
import PetitionsService

/// `petitions`: the petitions bureau's service. Configuration: see the README (environment
/// variables), plus `PETITIONS_IDENTITY_KEY` (32 bytes, base64) that seals petitioner identities.
@main
struct PetitionsMain {
    static func main() async throws {
        let reader = ConfigReader(provider: EnvironmentVariablesProvider())
        let vault = try IdentityVault(base64: reader.string(forKey: "petitions.identity.key", isSecret: true))
        try await PetitionsDepartment.department(vault: vault).run(reader: reader)
    }
}
