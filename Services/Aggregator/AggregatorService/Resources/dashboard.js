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

  // The roster's and the directory's imports (office): the file goes as text/csv with the session's CSRF token.
  document.querySelectorAll("form[data-import]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = form.querySelector("input[type=file]").files[0];
      var out = document.getElementById(form.dataset.result);
      if (!file) return;
      out.textContent = "导入中…";
      file.text().then(function (text) {
        return fetch(form.dataset.import, { method: "POST", credentials: "same-origin", body: text,
          headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.dataset.csrf } });
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
  });

  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });

  // 一张图: a county under the pointer or the keyboard's focus shows its figures beside the map
  // (delegated: live updates replace the map); a new figure is chosen without a button.
  var showRegion = function (event) {
    var region = event.target.closest && event.target.closest("svg.map a.region");
    var detail = document.getElementById("map-detail");
    if (region && detail) detail.textContent = region.dataset.detail;
  };
  document.addEventListener("mouseover", showRegion);
  document.addEventListener("focusin", showRegion);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
})();
