import HTTPTypes
import Hummingbird
import Postgres
import ServiceSupport

extension HealthController.Check {
    /// The service's database answers.
    public static func database(_ db: PostgresClient) -> Self {
        .init("database") {
            do {
                try await db.query("SELECT 1")
                return (true, "ok")
            } catch {
                return (false, "unreachable: \(error)")
            }
        }
    }
}

/// A reader's query that ran past the statement timeout gives its connection back rather than
/// holding it: the caller may narrow it or try again (503 with `Retry-After`).
extension PostgresError: ProblemConvertible {
    public var problem: Problem? {
        guard isStatementTimeout else { return nil }
        var problem = Problem(
            .serviceUnavailable, "the query took longer than this service allows; try again, or ask for a narrower window",
            title: "Query timed out")
        problem.headers[.retryAfter] = "5"
        return problem
    }
}
