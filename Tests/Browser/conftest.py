"""The dashboard in a real browser: a private Tansu broker, the aggregator binary on the stack's
Postgres (a database of its own), a small roster of Changzhi from the simulator, and events
published to Kafka the way the departments publish them. Headless Chromium from Debian, driven
by Playwright. Run by deploy/local/test.sh after the Swift tests."""

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from confluent_kafka import Producer
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests"))
from service_processes import free_port, wait_for  # noqa: E402
BIN = ROOT / ".build" / "debug"
SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
CHINA = timezone(timedelta(hours=8))
READER = ("张三", "reader-secret")
OFFICE = ("李四", "office-secret")


class City:
    """What the test published, so each test can compute the figures it expects."""

    def __init__(self, aggregator, bootstrap, roster):
        self.base = f"http://127.0.0.1:{aggregator}"
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
        self.roster = roster
        self.sequences = {}
        self.events = []

    def publish(self, source, type_, subject, when, data):
        self.sequences[source] = self.sequences.get(source, 0) + 1
        event = {
            "specversion": "1.0", "id": str(uuid.uuid4()), "source": f"/departments/{source}",
            "type": f"cn.threezero.{type_}.v1", "subject": subject, "time": when.isoformat(timespec="seconds"),
            "sequence": f"{self.sequences[source]:020d}", "datacontenttype": "application/json", "data": data,
        }
        self.producer.produce(f"threezero.{source}.v1", key=subject, value=json.dumps(event, ensure_ascii=False).encode(),
                              headers={"content-type": "application/cloudevents+json"})
        self.producer.flush(10)
        self.events.append(event)
        return event

    def hazard(self, subject, when, deadline_days=10):
        return self.publish("hazards", "hazard.found", subject, when, {
            "hazardId": str(uuid.uuid4()), "category": "消防安全", "severity": "general",
            "deadline": (when + timedelta(days=deadline_days)).isoformat(timespec="seconds")})

    def api(self, path, token=OFFICE[1]):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.load(r)

    def settled(self, count, seconds=30):
        """Waits until the aggregator has consumed `count` events."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            offsets = self.api("/api/v1/quality")["offsets"]
            if sum(o["nextOffset"] for o in offsets) >= count:
                return
            time.sleep(0.2)
        raise RuntimeError("the aggregator did not consume the events in time")


def synthetic_townships(county, path):
    """Township boundaries for one county, made up for the test: its directory's townships as
    vertical strips across the county's box (the map only needs a polygon per code)."""
    counties = json.loads((ROOT / ".local" / "map" / "counties-140400.geojson").read_text(encoding="utf-8"))
    ring = next(f for f in counties["features"] if f["properties"]["code"] == county)["geometry"]["coordinates"][0][0]
    west, east = min(p[0] for p in ring), max(p[0] for p in ring)
    south, north = min(p[1] for p in ring), max(p[1] for p in ring)
    with open(ROOT / "Shared" / "Divisions" / "Resources" / "changzhi-140400.csv", encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f) if len(row["code"]) == 9 and row["code"].startswith(county)]
    width = (east - west) / len(codes)
    features = [{"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [[
        [west + i * width, south], [west + (i + 1) * width, south], [west + (i + 1) * width, north], [west + i * width, north], [west + i * width, south]]]}}
        for i, code in enumerate(codes)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return codes


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    tansu = os.environ["TANSU_BIN"]
    broker_port, port = free_port(), free_port()
    broker = subprocess.Popen([tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{broker_port}",
                               "--advertised-listener-url", f"tcp://127.0.0.1:{broker_port}", "--storage-engine", "memory://tansu/"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = open(ROOT / ".local" / "logs" / "browser-aggregator.log", "w")
    townships = tmp_path_factory.mktemp("map") / "townships-140403.geojson"
    synthetic = synthetic_townships("140403", townships)
    counties = os.environ.get("MAP_BOUNDARIES", str(ROOT / ".local" / "map" / "counties-140400.geojson"))
    env = dict(os.environ, HTTP_PORT=str(port), DATABASE_NAME=f"browser_{uuid.uuid4().hex[:8]}",
               KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{broker_port}", LOG_LEVEL="warning",
               AUTH_TOKENS=f"{READER[0]}:reader:{READER[1]},{OFFICE[0]}:office_admin:{OFFICE[1]}",
               AGGREGATOR_CHECK_INTERVAL_SECONDS="5",
               MAP_BOUNDARIES=counties,
               MAP_TOWNSHIP_BOUNDARIES=str(townships))
    aggregator = subprocess.Popen([str(BIN / "aggregator")], env=env, stdout=log, stderr=log)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ready")
        # Every subject placed inside its county on the map's boundaries.
        roster_csv = subprocess.run([str(BIN / "simulator"), "roster", "--subjects", "240", "--seed", "9", "--map-boundaries", counties],
                                    check=True, capture_output=True).stdout
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/subjects:import", data=roster_csv, method="POST",
                                         headers={"Authorization": f"Bearer {OFFICE[1]}", "Content-Type": "text/csv"})
        urllib.request.urlopen(request, timeout=30).read()
        roster = list(csv.DictReader(io.StringIO(roster_csv.decode())))
        c = City(port, f"127.0.0.1:{broker_port}", roster)
        c.synthetic_townships = synthetic
        # Three days ago and an hour ago: hazards over the counties, some rectified; a petition
        # lodged at the county (a breach); an accident with an injury.
        now = datetime.now(CHINA).replace(microsecond=0)
        c.earlier, c.recent = now - timedelta(days=3), now - timedelta(hours=1)
        for i, subject in enumerate(roster[:36]):
            when = c.earlier if i % 3 == 0 else c.recent
            found = c.hazard(subject["code"], when, deadline_days=1 if i % 4 == 0 else 30)
            if i % 5 == 0:
                c.publish("hazards", "hazard.rectified", subject["code"], when + timedelta(minutes=30), {"hazardId": found["data"]["hazardId"]})
        c.publish("petitions", "petition.registered", roster[40]["code"], c.recent, {
            "petitionId": str(uuid.uuid4()), "channel": "online", "persons": 3, "lodgedLevel": "county", "collective": False,
            "origin": "self_found", "category": "土地征收"})
        c.publish("hazards", "accident.reported", roster[41]["code"], c.recent, {
            "accidentId": str(uuid.uuid4()), "kind": "机械伤害", "deaths": 0, "injuries": 1})
        c.settled(len(c.events))
        yield c
    finally:
        aggregator.terminate()
        aggregator.wait(20)
        broker.kill()
        broker.wait()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True,
                                     args=["--no-sandbox"])
        yield chromium
        chromium.close()


def signed_in(browser, city, who):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(city.base + "/")
    assert "/login" in page.url, "an anonymous visitor is sent to the sign-in"
    page.fill("input[name=name]", who[0])
    page.fill("input[name=token]", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(city.base + "/")
    return page


@pytest.fixture
def reader(browser, city):
    page = signed_in(browser, city, READER)
    yield page
    page.context.close()


@pytest.fixture
def office(browser, city):
    page = signed_in(browser, city, OFFICE)
    yield page
    page.context.close()
