import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Postgres
import ServiceSupport

extension DashboardController {
    // MARK: - The roster (office only)

    func roster(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let directory = try await db.withConnection { try DivisionBook.load(on: $0) }
        return (
            "名册导入", "roster",
            ["counties": directory.counties.count, "townships": directory.divisions.filter { $0.level == .township }.count]
        )
    }

    /// The directory CSV the page's script posts, with the session's CSRF token in `X-CSRF-Token`.
    func importDivisions(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let name = try officeImporter(request, context)
        return try CommandCenterController.json(try await api.importDivisions(request, by: name))
    }

    /// The signed-in office admin's name, for an import the page's script posts; else the problem.
    func officeImporter(_ request: Request, _ context: ServiceRequestContext) throws -> String {
        guard let session = sessions.session(of: request) else { throw Problem.unauthorized("sign in first") }
        guard DashboardSessions.csrfMatches(request.headers[HTTPField.Name("X-CSRF-Token")!], session) else {
            throw Problem.forbidden("the form's CSRF token is missing or wrong; reload the page")
        }
        var context = context
        context.principal = session.principal
        return try context.require(.officeAdmin).name
    }

    /// The CSV the page's script posts, with the session's CSRF token in `X-CSRF-Token`.
    func importRoster(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let name = try officeImporter(request, context)
        return try CommandCenterController.json(try await api.importRoster(request, by: name))
    }

    // MARK: - Sign-in

    func signInPage(next: String, failed: Bool) throws -> Response {
        let body = library.render(["failed": failed, "next": Self.safeNext(next)], withTemplate: "signin") ?? ""
        var response = Self.html(library.render(["title": "登录", "body": body, "bodyClass": "signin"], withTemplate: "layout") ?? "")
        if failed { response.status = .unauthorized }
        return response
    }

    func signIn(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let form = try await Self.form(request, context)
        let name = form["name"] ?? "", address = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = throttle.wait(name: name, address: address) {
            var problem = Problem(.tooManyRequests, "登录失败次数过多，请 \(wait) 秒后再试", title: "登录受限")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
        guard let principal = sessions.signIn(name: name, token: form["token"] ?? "") else {
            throttle.failed(name: name, address: address)
            return try signInPage(next: form["next"] ?? "/", failed: true)
        }
        throttle.succeeded(name: name, address: address)
        return Response(status: .seeOther, headers: [.location: Self.safeNext(form["next"] ?? "/"), .setCookie: sessions.cookie(for: principal)])
    }

    func signOut(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let form = try await Self.form(request, context)
        guard let session = sessions.session(of: request), DashboardSessions.csrfMatches(form["csrf"], session) else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        return Response(status: .seeOther, headers: [.location: "/login", .setCookie: sessions.expiredCookie])
    }

    /// For the dashboard's downloads and stream: a session, or a reading bearer token (the CSV is also for scripts).
    func signedIn(_ request: Request, _ context: ServiceRequestContext, _ body: () async throws -> Response) async throws -> Response {
        if sessions.session(of: request) == nil { try context.require(.reader, .officeAdmin) }
        return try await body()
    }
}
