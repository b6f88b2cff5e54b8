(function () {
  "use strict";
  // The ranking: sorted, filtered and drawn 200 rows at a time from its JSON (a 10,000-row table stays light).
  var el = document.getElementById("rank-data");
  var table = document.getElementById("rank-table");
  if (!el || !table) return;
  var ROWS = JSON.parse(el.textContent), PAGE = 200;
  var body = table.tBodies[0], more = document.getElementById("rank-more");
  var filter = document.getElementById("rank-filter"), copying = document.getElementById("rank-copying");
  var failed = document.getElementById("rank-failed"), count = document.getElementById("rank-count");
  var gate = !!failed, key = 4, dir = 1, shown = PAGE, view = ROWS;
  function pct(v) { return (v * 100).toFixed(1) + "%"; }
  function cell(tr, text, cls) { var td = tr.insertCell(-1); td.textContent = text; if (cls) td.className = cls; return td; }
  function draw() {
    var q = (filter.value || "").trim().toLowerCase();
    view = ROWS.filter(function (r) {
      if (copying.checked && !r[7]) return false;
      if (failed && failed.checked && r[10] !== "FAIL") return false;
      return !q || (r[1] + " " + r[2] + " " + r[6]).toLowerCase().indexOf(q) >= 0;
    });
    view.sort(function (a, b) {
      var x = a[key], y = b[key];
      if (x === y) return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
      if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
      return String(x).localeCompare(String(y), "zh-CN") * dir;
    });
    var frag = document.createDocumentFragment();
    view.slice(0, shown).forEach(function (r, i) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-d", r[0]);
      cell(tr, String(i + 1), "num");
      var td = tr.insertCell(-1), a = document.createElement(r[11] ? "a" : "span");
      a.className = "path"; a.textContent = r[1]; if (r[11]) a.href = r[11]; td.appendChild(a);
      cell(tr, r[2]); cell(tr, String(r[3]), "num");
      cell(tr, r[12], "num score-cell " + r[9]);
      cell(tr, pct(r[5]), "num"); cell(tr, r[6], "path"); cell(tr, String(r[7]), "num"); cell(tr, String(r[8]), "num");
      if (gate) cell(tr, r[10], "verdict " + (r[10] === "FAIL" ? "bad" : "good"));
      frag.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(frag);
    count.textContent = view.length + " / " + ROWS.length + " 份";
    more.hidden = view.length <= shown;
  }
  table.tHead.addEventListener("click", function (e) {
    var th = e.target.closest("th[data-sort]");
    if (!th) return;
    var k = +th.getAttribute("data-sort");
    dir = k === key ? -dir : 1; key = k;
    table.tHead.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    draw();
  });
  [filter, copying, failed].forEach(function (c) { if (c) c.addEventListener("input", function () { shown = PAGE; draw(); }); });
  more.addEventListener("click", function () { shown += PAGE; draw(); });
  draw();
})();
