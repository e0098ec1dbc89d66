import Divisions
import Geography

/// The map's boundaries: the counties' (`MAP_BOUNDARIES`, covering every county of the directory)
/// and, where the operator supplies them, townships' (`MAP_TOWNSHIP_BOUNDARIES`: any townships, by
/// their 9-digit codes).
struct DivisionMaps: Sendable {
    let counties: Boundaries
    let townships: Boundaries?

    /// The townships of `county` that have boundaries, fitted as a map of their own; nil when none has.
    func townships(of county: String) -> Boundaries? {
        guard let regions = townships?.regions.filter({ $0.code.hasPrefix(county) }), !regions.isEmpty else { return nil }
        return Boundaries(regions: regions)
    }
}
