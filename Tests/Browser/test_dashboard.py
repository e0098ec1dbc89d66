"""End-to-end tests of the command center's dashboard in headless Chromium."""

import csv
import io
import re
import time
from datetime import datetime, timedelta

from conftest import CHINA, SCREENSHOTS, OFFICE


def eventually(condition, seconds=15):
    """Polls from the test: the page's CSP forbids the string evaluation wait_for_function uses."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def figure(page, name):
    return int(page.locator(f'[data-figure="{name}"]').inner_text().replace(",", ""))


def hazards(city, as_of):
    """The hazards found from 1 January of as_of's year to as_of (none voided in these tests)."""
    start = datetime(as_of.year, 1, 1, tzinfo=CHINA)
    return [e for e in city.events if e["type"] == "cn.threezero.hazard.found.v1" and start <= datetime.fromisoformat(e["time"]) <= as_of]


def hazards_found(city, as_of):
    return len(hazards(city, as_of))


def county_of(code):
    """Division codes start with the county; unified social credit codes carry it in characters 3-8."""
    return code[:6] if len(code) == 12 else code[2:8]


def test_the_overview_renders_its_figures_and_charts(reader, city):
    now = datetime.now(CHINA)
    assert reader.title().startswith("总览")
    assert figure(reader, "subjects.total") == len(city.roster)
    assert figure(reader, "problems.hazard.found") == hazards_found(city, now)
    assert figure(reader, "breaches.petition") == 1 and figure(reader, "breaches.accident") == 1
    charts = reader.locator("svg.chart")
    assert charts.count() == 2
    assert charts.nth(0).locator("line.target").count() == 3, "a target line for each group with a target"
    assert charts.nth(1).locator("rect.bar").count() >= 2
    # Numbers as a Chinese reader expects them: percentages with two decimals.
    assert re.fullmatch(r"\d{1,3}\.\d{2}%", reader.locator('[data-figure="compliance.overall.rate"]').inner_text())
    for label in ["零上访未达标主体", "达标率(对照目标)", "问题台账", "信访统计", "四级书记代办", "同比(三下降)", "数据新鲜度"]:
        assert reader.get_by_text(label).count() >= 1, label
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENSHOTS / "overview-1920x1080.png"))


def test_a_new_event_shows_up_on_an_open_page_without_reload(reader, city):
    assert eventually(lambda: reader.evaluate("() => document.body.dataset.live") == "connected")
    before = figure(reader, "problems.hazard.found")
    reader.evaluate("() => { window.__notReloaded = true }")
    city.hazard(city.roster[100]["code"], datetime.now(CHINA).replace(microsecond=0) - timedelta(minutes=5))
    assert eventually(lambda: figure(reader, "problems.hazard.found") == before + 1), "the new hazard on the open page"
    assert reader.evaluate("() => window.__notReloaded") is True, "the page was updated in place"
    assert reader.locator("#updated").inner_text() != ""


def test_the_as_of_picker_shows_the_figures_of_that_date(reader, city):
    day = (city.earlier + timedelta(days=1)).date()
    reader.fill("input[data-asof]", day.isoformat())
    reader.wait_for_url(re.compile(rf"asOf={day.isoformat()}"))
    as_of = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=CHINA)
    assert figure(reader, "problems.hazard.found") == hazards_found(city, as_of)
    assert figure(reader, "problems.hazard.found") < hazards_found(city, datetime.now(CHINA))
    assert reader.locator("#as-of").inner_text() == day.isoformat()
    # The date carries over to the other pages.
    reader.click("nav >> text=县区排名")
    assert f"asOf={day.isoformat()}" in reader.url


def test_the_ledger_filters_and_pages(reader, city):
    county = city.roster[0]["county"]
    reader.goto(city.base + "/ledger")
    reader.select_option("select[name=kind]", "hazard")
    reader.select_option("select[name=county]", county)
    reader.select_option("select[name=status]", "open")
    reader.click("form.filters button[type=submit]")
    reader.wait_for_url(re.compile("kind=hazard"))
    rows = reader.locator("#ledger tbody tr")
    expected = [e for e in hazards(city, datetime.now(CHINA)) if county_of(e["subject"]) == county]
    rectified = {e["data"]["hazardId"] for e in city.events if e["type"] == "cn.threezero.hazard.rectified.v1"}
    open_ones = [e for e in expected if e["data"]["hazardId"] not in rectified]
    assert rows.count() == len(open_ones) > 0
    for i in range(rows.count()):
        row = rows.nth(i)
        assert row.get_attribute("data-kind") == "hazard" and row.get_attribute("data-county") == county
        assert row.get_attribute("data-status") == "open"
    reader.check("input[name=overdue]")
    reader.click("form.filters button[type=submit]")
    reader.wait_for_url(re.compile("overdue=true"))
    overdue = reader.locator("#ledger tbody tr")
    assert 0 < overdue.count() < rows.count() + 1
    for i in range(overdue.count()):
        assert overdue.nth(i).get_attribute("data-overdue") == "true"
    # Paging: 50 a page over all kinds and counties.
    reader.goto(city.base + "/ledger")
    total = int(re.search(r"共 ([\d,]+) 条", reader.locator("#ledger-total").inner_text()).group(1).replace(",", ""))
    assert total == hazards_found(city, datetime.now(CHINA))
    assert reader.locator("#ledger tbody tr").count() == min(50, total)


def test_the_ranking_sorts_and_downloads_as_csv_with_chinese_headers(reader, city):
    reader.goto(city.base + "/ranking")
    rows = reader.locator("#ranking tbody tr")
    assert rows.count() == 12, "the 12 counties of Changzhi"
    reader.screenshot(path=str(SCREENSHOTS / "ranking-1920x1080.png"))
    reader.click("#ranking th:has-text('逾期')")
    values = [int(rows.nth(i).locator("td").nth(9).get_attribute("data-value")) for i in range(rows.count())]
    assert values == sorted(values)
    with reader.expect_download() as download:
        reader.click("text=下载 CSV")
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel opens the Chinese text"
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:4] == ["排名", "县(区)", "县(区)代码", "排名变化"] and "问题解决率" in table[0] and "达标率" in table[0]
    assert len(table) == 13 and [row[0] for row in table[1:]] == [str(i) for i in range(1, 13)]
    assert {row[1] for row in table[1:]} >= {"潞州区", "沁源县"}


def test_a_reader_cannot_reach_the_admin_actions(reader, city):
    reader.goto(city.base + "/reports")
    assert reader.locator("[data-admin]").count() == 0, "no save form, no roster link"
    assert reader.locator("nav >> text=名册导入").count() == 0
    response = reader.goto(city.base + "/roster")
    assert response.status == 403
    # Even with the session's own CSRF token, a reader's POST is refused and saves nothing.
    reader.goto(city.base + "/")
    csrf = reader.locator("header form input[name=csrf]").get_attribute("value")
    status = reader.evaluate("""csrf => fetch('/reports', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'csrf=' + csrf + '&asOf=2026-01-31'}).then(r => r.status)""", csrf)
    assert status == 403
    assert city.api("/api/v1/rankings") == []


def test_the_office_saves_a_notice_prints_it_and_sees_its_restatement(office, city):
    office.goto(city.base + "/reports")
    # Without the form's CSRF token nothing is saved.
    status = office.evaluate("""() => fetch('/reports', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'asOf=2026-01-31'}).then(r => r.status)""")
    assert status == 403
    office.click("form.save button[type=submit]")
    office.wait_for_url(re.compile(r"/reports/\d+$"))
    assert office.locator("article.notice h1").inner_text() == "长治市“三零”创建县区排名通报"
    assert office.locator("article.notice tbody tr").count() == 12
    assert office.locator("#restatement").count() == 0
    report_url = office.url
    office.emulate_media(media="print")
    assert office.locator("header.top").is_hidden() and office.locator("article.notice").is_visible()
    office.emulate_media(media="screen")
    # A late event about the saved period: the notice now says what changed, and by how many events.
    published = len(city.events)
    city.hazard(city.roster[7]["code"], datetime.now(CHINA).replace(microsecond=0) - timedelta(hours=2))
    city.settled(published + 1)
    office.goto(report_url)
    restatement = office.locator("#restatement")
    assert restatement.is_visible()
    assert "迟报事件 1 条" in restatement.inner_text()
    assert "排查" in restatement.inner_text()
    saved = city.api("/api/v1/rankings", token=OFFICE[1])
    assert len(saved) == 1 and len(saved[0]["contentHash"]) == 64
    # The frozen notice keeps its figures; its CSV is the frozen one.
    with office.expect_download() as download:
        office.click("article.notice >> text=下载 CSV")
    assert open(download.value.path(), "rb").read().startswith(b"\xef\xbb\xbf\xe6\x8e\x92\xe5\x90\x8d")


def test_security_headers_and_a_failed_sign_in(browser, city):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(city.base + "/login")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"] and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    page.fill("input[name=name]", "张三")
    page.fill("input[name=token]", "wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    # Off-site redirects after sign-in are refused.
    page.goto(city.base + "/login?next=//evil.example/")
    assert page.locator("input[name=next]").get_attribute("value") == "/"
    context.close()


def test_from_the_overview_to_a_subject_in_three_clicks_through_county_and_township(reader, city):
    # The subject of the petition that breaches 零上访: the way down to it is city → county → township.
    subject = city.roster[40]
    county, township = subject["county"], subject["township"] or subject["county"] + "000"
    names = {d["code"]: d["name"] for d in city.api("/api/v1/divisions")["divisions"]}
    reader.click(f'#counties tr[data-code="{county}"] a')
    reader.wait_for_url(re.compile(rf"/county/{county}$"))
    assert reader.locator("nav.crumbs").inner_text().replace(" ", "") == f"长治市›{names[county]}"
    ranked = city.api(f"/api/v1/townships?county={county}")["townships"]
    rows = reader.locator("#township-ranking tbody tr")
    assert rows.count() == len(ranked)
    assert [rows.nth(i).get_attribute("data-code") for i in range(rows.count())] == [t["township"] for t in ranked]
    reader.screenshot(path=str(SCREENSHOTS / "county-1920x1080.png"))
    reader.click(f'#township-ranking tr[data-code="{township}"] a')
    reader.wait_for_url(re.compile(rf"/township/{township}$"))
    assert reader.locator("nav.crumbs").inner_text().replace(" ", "") == f"长治市›{names[county]}›{names.get(township, '未划分乡镇')}"
    listed = reader.locator("#subject-list tbody tr")
    in_township = [s for s in city.roster if (s["township"] or s["county"] + "000") == township]
    assert listed.count() == len(in_township)
    verdicts = [listed.nth(i).locator("td").nth(5).inner_text() for i in range(listed.count())]
    assert verdicts[0] == "未达标" and verdicts == sorted(verdicts, key=lambda v: v != "未达标"), "breaching subjects first"
    reader.screenshot(path=str(SCREENSHOTS / "township-1920x1080.png"))
    reader.click(f'#subject-list tr[data-code="{subject["code"]}"] a')
    reader.wait_for_url(re.compile(rf"/subject/{subject['code']}$"))
    assert reader.locator("nav.crumbs [aria-current]").inner_text() == subject["name"]
    assert "未达标" in reader.locator("main").inner_text()


def test_the_map_colours_the_twelve_counties_by_the_figures_the_test_produced(reader, city):
    # Overdue problems per county, from what the test published: found, due before now, not rectified.
    now = datetime.now(CHINA)
    rectified = {e["data"]["hazardId"] for e in city.events if e["type"] == "cn.threezero.hazard.rectified.v1"}
    overdue = {}
    for e in hazards(city, now):
        if datetime.fromisoformat(e["data"]["deadline"]) < now and e["data"]["hazardId"] not in rectified:
            overdue[county_of(e["subject"])] = overdue.get(county_of(e["subject"]), 0) + 1
    largest = max(overdue.values())
    assert largest > 0
    step = max(1, (largest + 2) // 3)  # the legend: 0, then three classes of whole numbers up to the largest

    reader.goto(city.base + "/map")
    reader.select_option("select[name=figure]", "overdue")
    reader.wait_for_url(re.compile(r"figure=overdue"))
    regions = reader.locator("svg.map a.region")
    assert regions.count() == 12, "the 12 counties of Changzhi"
    classes = {regions.nth(i).get_attribute("data-code"): int(regions.nth(i).get_attribute("data-class")) for i in range(12)}
    expected = {code: 0 if overdue.get(code, 0) == 0 else 1 + (overdue[code] - 1) // step for code in classes}
    assert classes == expected
    assert len(set(classes.values())) >= 2, "the figures differ between counties"
    assert reader.locator("ul.legend:not(.marks-legend) li").count() == len({0} | {1 + (v - 1) // step for v in range(1, largest + 1)})
    # The table under the map holds the same classes.
    rows = reader.locator("#map-table tbody tr")
    assert {rows.nth(i).get_attribute("data-code"): int(rows.nth(i).get_attribute("data-class")) for i in range(rows.count())} == classes
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENSHOTS / "map-1920x1080.png"))

    # Keyboard focus reaches every county, and shows its figures beside the map.
    reader.locator("select[name=figure]").focus()
    focused = set()
    for _ in range(80):
        reader.keyboard.press("Tab")
        code = reader.evaluate("() => document.activeElement.closest('svg.map a.region') ? document.activeElement.dataset.code : null")
        if code:
            focused.add(code)
            assert reader.locator("#map-detail").inner_text().startswith(reader.locator(f'svg.map a.region[data-code="{code}"]').get_attribute("aria-label").split(" ")[0])
        if focused == set(classes):
            break
    assert focused == set(classes)

    # A click on a county (on its name, which lies inside it and lets the click through) opens its page.
    worst = max(classes, key=lambda c: (classes[c], c))
    box = reader.locator(f'svg.map text.name[data-code="{worst}"]').bounding_box()
    reader.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    reader.wait_for_url(re.compile(rf"/county/{worst}$"))


def test_a_county_with_township_boundaries_drills_down_to_its_townships(reader, city):
    # 潞州区 has (synthetic) township boundaries, the other counties none.
    reader.goto(city.base + "/map?figure=overdue")
    assert reader.locator("#map-table a.drill").count() == 1
    reader.click('#map-table tr[data-code="140403"] a.drill')
    reader.wait_for_url(re.compile(r"/map\?county=140403&figure=overdue$"))
    townships = city.api("/api/v1/townships?county=140403")["townships"]
    overdue = {t["township"]: t["problems"]["total"]["overdue"] for t in townships}
    regions = reader.locator("svg.map a.region")
    every = {regions.nth(i).get_attribute("data-code"): regions.nth(i).get_attribute("data-class") for i in range(regions.count())}
    assert set(every) == set(city.synthetic_townships), "every township with a polygon is drawn"
    drawn = {code: int(c) for code, c in every.items() if c != "none"}
    assert set(drawn) == set(overdue) & set(city.synthetic_townships) and drawn, "coloured: the townships with subjects; grey: the others"
    step = max(1, (max(overdue.values()) + 2) // 3)
    assert drawn == {code: 0 if overdue[code] == 0 else 1 + (overdue[code] - 1) // step for code in drawn}
    assert reader.locator("nav.crumbs").inner_text().replace(" ", "").startswith("长治市›")
    # A county without township boundaries says so, draws its outline (for its marked subjects)
    # and still lists its townships' figures.
    reader.goto(city.base + "/map?county=140431")
    assert "未提供" in reader.locator("main").inner_text()
    assert reader.locator("svg.map path.outline").count() == 1 and reader.locator("svg.map a.region").count() == 0
    assert reader.locator("#map-table tbody tr").count() > 0
    # A township on the map opens its page: a click where the township itself (not a subject's
    # point drawn on it) is under the pointer.
    code = next(iter(drawn))
    reader.goto(city.base + "/map?county=140403")
    box = reader.locator(f'svg.map a.region[data-code="{code}"]').bounding_box()
    spot = reader.evaluate("""([code, b]) => {
        for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
            const x = b.x + b.width * i / 20, y = b.y + b.height * j / 20;
            const hit = document.elementFromPoint(x, y);
            if (hit && hit.closest('a.region') && hit.closest('a.region').dataset.code === code) return [x, y];
        }
        return null;
    }""", [code, box])
    assert spot, "some of the township is not covered by points"
    reader.mouse.click(spot[0], spot[1])
    reader.wait_for_url(re.compile(rf"/township/{code}$"))


def marked_codes(city, now):
    """The subjects the map marks, from what the test published: a breach this year (a petition
    lodged above the unit or collective, an accident with casualties), or a hazard overdue and not
    rectified."""
    rectified = {e["data"]["hazardId"] for e in city.events if e["type"] == "cn.threezero.hazard.rectified.v1"}
    marked = {e["subject"] for e in hazards(city, now)
              if datetime.fromisoformat(e["data"]["deadline"]) < now and e["data"]["hazardId"] not in rectified}
    marked |= {e["subject"] for e in city.events if e["type"] == "cn.threezero.petition.registered.v1"
               and (e["data"]["lodgedLevel"] != "unit" or e["data"]["collective"])}
    marked |= {e["subject"] for e in city.events if e["type"] == "cn.threezero.accident.reported.v1" and e["data"]["deaths"] + e["data"]["injuries"] > 0}
    return marked


def test_the_map_marks_breaching_and_overdue_subjects_and_a_new_overdue_hazard_appears_live(reader, city):
    now = datetime.now(CHINA)
    marked = marked_codes(city, now)
    # The city: the marked subjects counted in grid cells that add up to them all.
    reader.goto(city.base + "/map")
    bins = reader.locator("svg.map g.bin")
    assert bins.count() > 1
    assert sum(int(bins.nth(i).get_attribute("data-count")) for i in range(bins.count())) == len(marked)
    assert reader.locator("svg.map a.mark").count() == 0, "no single points at city scale"

    # A county: each marked subject a point, by the zero it breaches, that opens its page.
    petitioner = next(e["subject"] for e in city.events if e["type"] == "cn.threezero.petition.registered.v1")
    county = county_of(petitioner)
    reader.goto(city.base + f"/map?county={county}")
    points = reader.locator("svg.map a.mark")
    shown = {points.nth(i).get_attribute("data-code"): points.nth(i).get_attribute("data-mark") for i in range(points.count())}
    assert set(shown) == {code for code in marked if county_of(code) == county}
    assert shown[petitioner] == "z-petition"

    # A hazard found three days ago, due yesterday, for a subject of the county not marked yet:
    # its point appears on the open page, without a reload.
    assert eventually(lambda: reader.evaluate("() => document.body.dataset.live") == "connected")
    reader.evaluate("() => { window.__notReloaded = true }")
    fresh = next(s["code"] for s in city.roster if county_of(s["code"]) == county and s["code"] not in marked)
    city.hazard(fresh, now.replace(microsecond=0) - timedelta(days=3), deadline_days=2)
    assert eventually(lambda: reader.locator(f'svg.map a.mark[data-code="{fresh}"]').count() == 1), "the new overdue hazard's point"
    assert reader.locator(f'svg.map a.mark[data-code="{fresh}"]').get_attribute("data-mark") == "overdue"
    assert reader.evaluate("() => window.__notReloaded") is True, "the page was updated in place"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENSHOTS / "map-county-1920x1080.png"))

    # A point opens its subject's page.
    reader.locator(f'svg.map a.mark[data-code="{petitioner}"]').click()
    reader.wait_for_url(re.compile(rf"/subject/{petitioner}$"))
