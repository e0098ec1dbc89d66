import ServiceSupport

extension Role {
    /// 创建办: the command center's office, which keeps the roster and saves the ranking notices.
    public static let officeAdmin = Role(rawValue: "office_admin")
}
