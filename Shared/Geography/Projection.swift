import Foundation

/// Degrees onto the SVG canvas: an equirectangular projection whose east–west scale is the cosine
/// of the map's middle latitude (at a city's size indistinguishable from a conformal one), fitted
/// into `width` × `height` with `padding` around it and north up.
public struct Projection: Sendable {
    public let width: Double
    public let height: Double
    let scale: Double
    let cosine: Double
    let origin: (lon: Double, lat: Double)
    let offset: (x: Double, y: Double)

    public init(fitting box: BoundingBox, width: Double, height: Double, padding: Double = 8) {
        cosine = cos((box.minLat + box.maxLat) / 2 * .pi / 180)
        let spanX = Swift.max((box.maxLon - box.minLon) * cosine, 1e-9)
        let spanY = Swift.max(box.maxLat - box.minLat, 1e-9)
        scale = Swift.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY)
        origin = (box.minLon, box.maxLat)
        // Centred in the spare direction.
        offset = ((width - spanX * scale) / 2, (height - spanY * scale) / 2)
        (self.width, self.height) = (width, height)
    }

    /// The projection as two linear maps, `x = x0 + lon · xPerLon` and `y = y0 − lat · yPerLat`
    /// (for computing canvas positions elsewhere, in SQL say).
    public var linear: (x0: Double, xPerLon: Double, y0: Double, yPerLat: Double) {
        (offset.x - origin.lon * cosine * scale, cosine * scale, offset.y + origin.lat * scale, scale)
    }

    public func point(_ c: Coordinate) -> (x: Double, y: Double) {
        (offset.x + (c.lon - origin.lon) * cosine * scale, offset.y + (origin.lat - c.lat) * scale)
    }

    /// The polygons as one SVG path (`M x y L … Z` per ring, to a tenth of a unit; points that land
    /// on the previous one are left out, so a city's 1,800 points stay a few kilobytes).
    public func path(_ polygons: [Polygon]) -> String {
        var out = ""
        for polygon in polygons {
            for ring in polygon.rings {
                var last: (Int, Int)? = nil
                for (i, c) in ring.dropLast().enumerated() {
                    let (x, y) = point(c)
                    let rounded = (Int((x * 10).rounded()), Int((y * 10).rounded()))
                    if let last, last == rounded { continue }
                    out += (i == 0 ? "M" : "L") + Self.tenths(rounded.0) + " " + Self.tenths(rounded.1)
                    last = rounded
                }
                out += "Z"
            }
        }
        return out
    }

    /// `123.4` from 1234, `5` from 50.
    static func tenths(_ n: Int) -> String {
        let sign = n < 0 ? "-" : ""
        let (whole, tenth) = (abs(n) / 10, abs(n) % 10)
        return tenth == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(tenth)"
    }
}
