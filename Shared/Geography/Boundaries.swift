import Foundation

/// A point in the boundary file's datum (amap's GCJ-02 for the derived file): degrees east, north.
public struct Coordinate: Hashable, Sendable {
    public var lon: Double
    public var lat: Double
    public init(lon: Double, lat: Double) { (self.lon, self.lat) = (lon, lat) }
}

/// A polygon: its outer ring and any holes, each ring closed (first point again at the end).
public struct Polygon: Sendable {
    public var rings: [[Coordinate]]
    public init(rings: [[Coordinate]]) { self.rings = rings }

    /// Even-odd ray casting over every ring: inside the outer ring and in no hole. A point on an
    /// edge may fall either way (a subject is never placed exactly on a border).
    public func contains(_ p: Coordinate) -> Bool {
        var inside = false
        for ring in rings {
            var j = ring.count - 1
            for i in ring.indices {
                let (a, b) = (ring[i], ring[j])
                if (a.lat > p.lat) != (b.lat > p.lat) && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }
}

extension Polygon {
    /// The outer ring's signed area in square degrees (shoelace; positive anticlockwise).
    public var area: Double {
        guard let ring = rings.first, ring.count > 2 else { return 0 }
        var sum = 0.0
        for i in 0..<(ring.count - 1) { sum += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat }
        return sum / 2
    }

    /// A point inside the polygon for its label: the outer ring's centroid when that lies inside
    /// (a convex-ish county), else the middle of the widest inside stretch of the parallel through it
    /// (a crescent's centroid lies outside).
    public var labelPoint: Coordinate {
        guard let ring = rings.first, ring.count > 3 else { return rings.first?.first ?? Coordinate(lon: 0, lat: 0) }
        let a = area
        var (cx, cy) = (0.0, 0.0)
        for i in 0..<(ring.count - 1) {
            let cross = ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat
            cx += (ring[i].lon + ring[i + 1].lon) * cross
            cy += (ring[i].lat + ring[i + 1].lat) * cross
        }
        let centroid = a == 0 ? ring[0] : Coordinate(lon: cx / (6 * a), lat: cy / (6 * a))
        if contains(centroid) { return centroid }
        // Where the parallel through the centroid crosses the rings, in order: inside between pairs.
        var crossings: [Double] = []
        for ring in rings {
            for i in 0..<(ring.count - 1) {
                let (p, q) = (ring[i], ring[i + 1])
                if (p.lat > centroid.lat) != (q.lat > centroid.lat) {
                    crossings.append(p.lon + (centroid.lat - p.lat) * (q.lon - p.lon) / (q.lat - p.lat))
                }
            }
        }
        crossings.sort()
        var best: (width: Double, lon: Double)? = nil
        for pair in stride(from: 0, to: crossings.count - 1, by: 2) where best == nil || crossings[pair + 1] - crossings[pair] > best!.width {
            best = (crossings[pair + 1] - crossings[pair], (crossings[pair] + crossings[pair + 1]) / 2)
        }
        return best.map { Coordinate(lon: $0.lon, lat: centroid.lat) } ?? ring[0]
    }
}

/// The smallest box around a set of points.
public struct BoundingBox: Equatable, Sendable {
    public var minLon, minLat, maxLon, maxLat: Double

    public init(_ points: some Sequence<Coordinate>) {
        (minLon, minLat, maxLon, maxLat) = (.infinity, .infinity, -.infinity, -.infinity)
        for p in points {
            (minLon, maxLon) = (Swift.min(minLon, p.lon), Swift.max(maxLon, p.lon))
            (minLat, maxLat) = (Swift.min(minLat, p.lat), Swift.max(maxLat, p.lat))
        }
    }

    public func contains(_ p: Coordinate) -> Bool { p.lon >= minLon && p.lon <= maxLon && p.lat >= minLat && p.lat <= maxLat }
}

/// The map's divisions as the boundary file (`MAP_BOUNDARIES`) gives them: a GeoJSON
/// FeatureCollection, one feature per division with its `code` among the properties and a Polygon
/// or MultiPolygon geometry.
public struct Boundaries: Sendable {
    public struct Region: Sendable {
        public let code: String
        public let polygons: [Polygon]
        public let box: BoundingBox

        public init(code: String, polygons: [Polygon]) {
            (self.code, self.polygons) = (code, polygons)
            box = BoundingBox(polygons.lazy.flatMap { $0.rings.first ?? [] })
        }

        public func contains(_ p: Coordinate) -> Bool { box.contains(p) && polygons.contains { $0.contains(p) } }

        /// Where the region's name goes: inside its largest polygon (see `Polygon.labelPoint`).
        public var labelPoint: Coordinate {
            polygons.max { abs($0.area) < abs($1.area) }?.labelPoint ?? Coordinate(lon: (box.minLon + box.maxLon) / 2, lat: (box.minLat + box.maxLat) / 2)
        }
    }

    /// Why a boundary file cannot be used, in words an operator can act on.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public let regions: [Region]
    public let box: BoundingBox

    public init(regions: [Region]) {
        self.regions = regions
        box = BoundingBox(regions.lazy.flatMap { [Coordinate(lon: $0.box.minLon, lat: $0.box.minLat), Coordinate(lon: $0.box.maxLon, lat: $0.box.maxLat)] })
    }

    public init(geoJSON data: Data) throws {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch { throw Refusal(description: "not JSON: \(error.localizedDescription)") }
        guard let collection = root as? [String: Any], collection["type"] as? String == "FeatureCollection",
            let features = collection["features"] as? [Any]
        else { throw Refusal(description: "not a GeoJSON FeatureCollection") }
        var regions: [Region] = []
        var seen: Set<String> = []
        for (index, item) in features.enumerated() {
            let feature = item as? [String: Any]
            let properties = feature?["properties"] as? [String: Any]
            guard let code = (properties?["code"] as? String) ?? (properties?["adcode"] as? String) ?? (properties?["adcode"] as? Int).map(String.init) else {
                throw Refusal(description: "feature \(index + 1) has no code among its properties")
            }
            guard seen.insert(code).inserted else { throw Refusal(description: "feature \(index + 1): division \(code) appears twice") }
            guard let geometry = feature?["geometry"] as? [String: Any], let polygons = Self.polygons(geometry), !polygons.isEmpty else {
                throw Refusal(description: "feature \(index + 1) (\(code)): the geometry is not a Polygon or MultiPolygon of closed rings")
            }
            regions.append(Region(code: code, polygons: polygons))
        }
        guard !regions.isEmpty else { throw Refusal(description: "the collection has no features") }
        self.init(regions: regions)
    }

    public func region(_ code: String) -> Region? { regions.first { $0.code == code } }

    /// The region a point lies in, if any.
    public func region(containing p: Coordinate) -> Region? { box.contains(p) ? regions.first { $0.contains(p) } : nil }

    /// The codes of `divisions` that no region stands for.
    public func missing(_ divisions: some Sequence<String>) -> [String] {
        let codes = Set(regions.map(\.code))
        return divisions.filter { !codes.contains($0) }
    }

    static func polygons(_ geometry: [String: Any]) -> [Polygon]? {
        switch geometry["type"] as? String {
        case "Polygon": return (geometry["coordinates"] as? [Any]).flatMap(polygon).map { [$0] }
        case "MultiPolygon":
            guard let parts = geometry["coordinates"] as? [Any] else { return nil }
            let polygons = parts.compactMap { ($0 as? [Any]).flatMap(polygon) }
            return polygons.count == parts.count ? polygons : nil
        default: return nil
        }
    }

    static func polygon(_ rings: [Any]) -> Polygon? {
        var result: [[Coordinate]] = []
        for ring in rings {
            guard let points = ring as? [Any] else { return nil }
            var coordinates: [Coordinate] = []
            coordinates.reserveCapacity(points.count)
            for point in points {
                guard let pair = point as? [Any], pair.count >= 2, let lon = (pair[0] as? NSNumber)?.doubleValue, let lat = (pair[1] as? NSNumber)?.doubleValue,
                    lon.isFinite, lat.isFinite, (-180...180).contains(lon), (-90...90).contains(lat)
                else { return nil }
                coordinates.append(Coordinate(lon: lon, lat: lat))
            }
            guard coordinates.count >= 4, coordinates.first == coordinates.last else { return nil }
            result.append(coordinates)
        }
        return result.isEmpty ? nil : Polygon(rings: result)
    }
}
