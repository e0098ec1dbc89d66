import EventContract
import Postgres
import TestSupport

@testable import AggregatorService

/// A fresh, migrated aggregator database whose roster holds `village`: where the batch tests start.
enum ViewDatabase {
    static func fresh(withVillage village: SubjectCode) async throws -> PostgresClient {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert(SubjectUpserted(code: village, name: "一村", type: .village, county: village.county, active: true), on: conn)
        }
        return db
    }
}
