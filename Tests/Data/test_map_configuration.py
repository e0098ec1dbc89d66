"""The aggregator with a boundary file (MAP_BOUNDARIES): one that leaves a county of the directory
out, or is no FeatureCollection, stops the start with a message naming what is wrong; the derived
file starts it. Runs the debug binary against the stack's Postgres and broker (a database and a
consumer group of its own)."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests"))
from service_processes import free_port, wait_for  # noqa: E402

AGGREGATOR = ROOT / ".build" / "debug" / "aggregator"
DERIVED = ROOT / ".local" / "map" / "counties-140400.geojson"


def start(boundaries, port):
    run = uuid.uuid4().hex[:8]
    env = dict(os.environ, HTTP_PORT=str(port), DATABASE_NAME=f"mapcheck_{run}", KAFKA_GROUP_ID=f"mapcheck_{run}", MAP_BOUNDARIES=str(boundaries),
               LOG_LEVEL="warning", AUTH_TOKENS="王五:reader:map-secret")
    return subprocess.Popen([str(AGGREGATOR)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_boundary_file_without_a_county_of_the_directory_is_refused_at_start(tmp_path):
    collection = json.loads(DERIVED.read_text(encoding="utf-8"))
    collection["features"] = [f for f in collection["features"] if f["properties"]["code"] != "140431"]
    partial = tmp_path / "partial.geojson"
    partial.write_text(json.dumps(collection), encoding="utf-8")
    process = start(partial, free_port())
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "does not cover the directory's counties 140431" in output, output


def test_a_file_that_is_not_a_feature_collection_is_refused_at_start(tmp_path):
    wrong = tmp_path / "wrong.geojson"
    wrong.write_text('{"type": "Polygon", "coordinates": []}', encoding="utf-8")
    process = start(wrong, free_port())
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0 and "not a GeoJSON FeatureCollection" in output, output


def test_the_derived_file_starts_the_aggregator():
    port = free_port()
    process = start(DERIVED, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/live", seconds=60)
    finally:
        process.terminate()
        process.wait(20)
