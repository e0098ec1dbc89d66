import Foundation
import Testing

@testable import ServiceSupport

/// The bearer tokens: kept only as SHA-256 digests (the secret is not in memory after start-up),
/// configurable as digests so the secret need not be in the environment either, one person each.
@Suite struct TokenDirectoryTests {
    @Test func tokensAreKeptHashedAndBothFormsAuthenticate() throws {
        let secret = "correct horse battery staple", other = "another secret"
        let digest = TokenDirectory.digest(other).map { String(format: "%02x", $0) }.joined()
        let directory = try TokenDirectory(configuration: "li:petitions_clerk:\(secret), wang:reader:sha256:\(digest.uppercased())")
        // Nothing but digests is kept.
        #expect(!String(reflecting: directory).contains(secret))
        #expect(directory.entries.map(\.digest) == [TokenDirectory.digest(secret), TokenDirectory.digest(other)])
        #expect(directory.principal(for: secret)?.name == "li")
        #expect(directory.principal(for: other)?.role == .reader)
        #expect(directory.principal(for: secret + " ") == nil)
        #expect(directory.principal(for: "") == nil)
        #expect(directory.principal(for: String(secret.dropLast())) == nil)
    }

    @Test func malformedEntriesAreRefusedAtStartUp() {
        for configuration in [
            "li:petitions_clerk", "li:reader:same, wang:reader:same", "li::secret", ":reader:secret", "li:reader:sha256:abc",
            "li:reader:sha256:" + String(repeating: "g", count: 64),
        ] {
            #expect(throws: TokenDirectory.InvalidEntry.self, "\(configuration)") { try TokenDirectory(configuration: configuration) }
        }
    }
}
