/// The dashboard's script and style, served by the aggregator itself (the Content-Security-Policy
/// allows nothing else): live updates, the as-of picker, sortable tables, the roster upload, printing.
enum DashboardAssets {
    static let script = #"""
        "use strict";
        (function () {
          // The as-of picker: a new date shows the page as of that date.
          document.querySelectorAll("input[data-asof]").forEach(function (input) {
            input.addEventListener("change", function () { if (input.value) input.form.submit(); });
          });

          // Live: when the view changes, fetch this page's main part again and swap it in.
          var main = document.getElementById("main");
          if (main && main.dataset.live === "1" && window.EventSource) {
            var pending = false;
            var refresh = function () {
              if (pending) return;
              pending = true;
              fetch(location.href, { headers: { "X-Partial": "main" }, credentials: "same-origin" })
                .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
                .then(function (html) {
                  main.innerHTML = html;
                  var updated = document.getElementById("updated");
                  if (updated) updated.textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }).replace(/\//g, "-");
                  document.body.dataset.updates = String(Number(document.body.dataset.updates || "0") + 1);
                  sortable();
                })
                .catch(function () {})
                .finally(function () { pending = false; });
            };
            var source = new EventSource("/live");
            source.addEventListener("update", refresh);
            source.addEventListener("hello", function () { document.body.dataset.live = "connected"; });
            // The consumer's state: "live", or "stalled" with the time of the last applied batch.
            source.addEventListener("status", function (e) {
              var state = document.getElementById("live-state");
              if (!state) return;
              var parts = String(e.data).split("|");
              state.dataset.state = parts[0];
              state.querySelector(".live-word").textContent = parts[0] === "stalled" ? "停滞 · 最后入库 " + (parts[1] || "—") : "实时";
            });
          }

          // Sortable tables: click a header; numbers by their data-value.
          function sortable() {
            document.querySelectorAll("table.sortable").forEach(function (table) {
              table.querySelectorAll("th[data-sort]").forEach(function (th, column) {
                if (th.dataset.bound) return;
                th.dataset.bound = "1";
                th.tabIndex = 0;
                th.addEventListener("click", function () {
                  var ascending = th.getAttribute("aria-sort") !== "ascending";
                  table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
                  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                  var body = table.tBodies[0];
                  var rows = Array.prototype.slice.call(body.rows);
                  rows.sort(function (a, b) {
                    var x = a.cells[column], y = b.cells[column];
                    var c = th.dataset.sort === "number"
                      ? Number(x.dataset.value) - Number(y.dataset.value)
                      : x.textContent.localeCompare(y.textContent, "zh-CN");
                    return ascending ? c : -c;
                  });
                  rows.forEach(function (row) { body.appendChild(row); });
                });
              });
            });
          }
          sortable();

          // The roster import (office): the file goes as text/csv with the session's CSRF token.
          var roster = document.getElementById("roster-form");
          if (roster) {
            roster.addEventListener("submit", function (event) {
              event.preventDefault();
              var file = roster.querySelector("input[type=file]").files[0];
              var out = document.getElementById("roster-result");
              if (!file) return;
              out.textContent = "导入中…";
              file.text().then(function (text) {
                return fetch("/roster", { method: "POST", credentials: "same-origin", body: text,
                  headers: { "Content-Type": "text/csv", "X-CSRF-Token": roster.dataset.csrf } });
              }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
                .then(function (result) {
                  var j = result[1];
                  out.textContent = result[0] === 200
                    ? "共 " + j.rows + " 行:新增 " + j.added + ",变更 " + j.changed + ",未变 " + j.unchanged + ",拒绝 " + j.refused.length +
                      j.refused.map(function (r) { return "\n  第 " + r.line + " 行:" + r.reason; }).join("")
                    : "导入失败:" + (j.detail || result[0]);
                })
                .catch(function (e) { out.textContent = "导入失败:" + e; });
            });
          }

          document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
        })();
        """#

    static let style = #"""
        :root { --ink: #1d2433; --muted: #5b6475; --line: #dfe3ea; --ok: #1f8a4c; --short: #c0392b; --pending: #d68910; --brand: #b71c1c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: var(--ink); background: #f5f6f8; }
        header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: var(--brand); color: #fff; }
        header.top .brand { font-size: 20px; font-weight: 700; }
        header.top .brand small { font-weight: 400; opacity: .85; margin-left: 8px; font-size: 13px; }
        header.top nav { display: flex; gap: 16px; flex: 1; }
        header.top nav a { color: #fff; text-decoration: none; padding: 4px 2px; border-bottom: 2px solid transparent; }
        header.top nav a[aria-current=page] { border-bottom-color: #fff; font-weight: 700; }
        header.top .user { display: flex; gap: 10px; align-items: center; }
        header.top .user form { margin: 0; }
        button, .button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); background: #fff; color: var(--ink); border-radius: 4px; cursor: pointer; text-decoration: none; }
        form.asof { display: flex; gap: 10px; align-items: center; padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
        main { padding: 16px 24px; display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; align-items: start; }
        main > h1, main > p, main > form, main > nav, main > table, main > pre, main > article, main > section.zeros, main > section.signin { grid-column: 1 / -1; }
        h1 { margin: 0; font-size: 22px; } h1 small { color: var(--muted); font-size: 14px; font-weight: 400; margin-left: 8px; }
        h2 { margin: 0 0 8px; font-size: 17px; } h3 { font-size: 15px; margin: 12px 0 6px; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; }
        .zeros { display: flex; gap: 16px; }
        .zero { flex: 1; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
        .zero .label { color: var(--muted); } .zero .big { font-size: 34px; font-weight: 700; } .zero .small { color: var(--muted); font-size: 12px; }
        table.figures { width: 100%; border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
        table.figures th, table.figures td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: right; }
        table.figures th:first-child, table.figures td:first-child, table.figures th:nth-child(2), table.figures td:nth-child(2) { text-align: left; }
        table.sortable th { cursor: pointer; user-select: none; } table.sortable th[aria-sort=ascending]::after { content: " ▲"; } table.sortable th[aria-sort=descending]::after { content: " ▼"; }
        dl.stats { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; } dl.stats dt { color: var(--muted); font-size: 13px; } dl.stats dd { margin: 0; font-size: 20px; font-weight: 600; }
        .good { color: var(--ok); } .bad { color: var(--short); } .pending { color: var(--pending); } .even { color: var(--muted); }
        .note, footer { color: var(--muted); } footer { padding: 8px 24px 24px; font-size: 13px; }
        .live-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); }
        #live-state[data-state="stalled"] { color: #b42318; font-weight: 600; }
        #live-state[data-state="stalled"] .live-dot { background: #b42318; }
        .mono { font-family: ui-monospace, monospace; font-size: 12px; }
        svg.chart { width: 100%; max-width: 640px; height: auto; }
        svg.chart .label, svg.chart .value { font-size: 13px; fill: var(--ink); }
        svg.chart .track { fill: #eef0f4; } svg.chart .bar.ok { fill: var(--ok); } svg.chart .bar.short { fill: var(--short); }
        svg.chart .bar.pending { fill: var(--pending); } svg.chart .bar.plain { fill: #3b6fb6; } svg.chart .target { stroke: var(--ink); stroke-width: 2; stroke-dasharray: 3 2; }
        form.filters { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
        section.signin { max-width: 420px; margin: 40px auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 24px; }
        section.signin label { display: block; margin: 10px 0; } section.signin input { width: 100%; padding: 6px; font: inherit; }
        .restatement { border: 2px solid var(--pending); border-radius: 6px; padding: 8px 14px; margin: 12px 0; background: #fffaf0; }
        article.notice { background: #fff; padding: 24px 32px; border: 1px solid var(--line); }
        article.notice h1 { text-align: center; font-size: 24px; margin-bottom: 8px; } article.notice .meta { text-align: center; color: var(--muted); margin: 2px 0; }
        @page { size: A4; margin: 15mm 12mm; }
        @media print {
          header.top, form.asof, footer, .screen-only, nav.pages { display: none !important; }
          body { background: #fff; font-size: 11pt; } main { display: block; padding: 0; }
          article.notice { border: 0; padding: 0; } table.figures th, table.figures td { padding: 3px 4px; }
          tr { break-inside: avoid; }
        }
        """#
}
