(function () {
  "use strict";
  var dataEl = document.getElementById("chachong-data");
  var DATA = dataEl ? JSON.parse(dataEl.textContent) : { docs: [] };
  var lead = null; // the pane the reader is scrolling; only its scrolling drives the twin
  var ticking = false;
  var anchorCache = new Map();

  function docEl(d) { return document.getElementById("doc-" + d); }
  function matchInfo(d, j) { var doc = DATA.docs[d]; return doc ? doc.m[j] : null; }
  function pairOf(d, k) { return docEl(d).querySelector('.pair[data-k="' + k + '"]'); }
  function panes(pair) { return [pair.querySelector(".pane.left"), pair.querySelector(".pane.right")]; }
  function byMatch(root, j) { return root ? root.querySelectorAll('[data-m~="' + j + '"]') : []; }
  function offsetIn(pane, el) { return el.getBoundingClientRect().top - pane.getBoundingClientRect().top; }
  function scrollPane(pane, el, y) { pane.scrollTop += offsetIn(pane, el) - y; }

  function selectSource(d, k) {
    var doc = docEl(d);
    k = String(k);
    doc.querySelectorAll(".pair").forEach(function (p) { p.classList.toggle("sel", p.getAttribute("data-k") === k); });
    var picker = doc.querySelector("select.src-picker");
    if (picker && picker.value !== k) picker.value = k;
    doc.querySelectorAll(".sources tr[data-k]").forEach(function (r) { r.classList.toggle("sel", r.getAttribute("data-k") === k); });
  }

  function clearActive(doc) {
    doc.querySelectorAll(".active").forEach(function (e) { e.classList.remove("active"); });
    doc.removeAttribute("data-cur");
  }

  function ensureVisible(el) {
    var r = el.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight * 0.5) el.scrollIntoView({ block: "start" });
  }

  // Activate passage j of document d: both twins get .active, the other pane jumps to the twin.
  function activate(d, j, fromPane) {
    var info = matchInfo(d, j);
    if (!info) return;
    var doc = docEl(d);
    var pair = pairOf(d, info[0]);
    if (pair) selectSource(d, info[0]);
    clearActive(doc);
    doc.setAttribute("data-cur", String(j));
    doc.querySelectorAll('[data-j="' + j + '"]').forEach(function (e) { e.classList.add("active"); });
    if (!pair) { // a source without a side-by-side view: show its row
      var row = document.getElementById("d" + d + "p" + j);
      if (row) row.scrollIntoView({ block: "center" });
      return;
    }
    var lr = panes(pair);
    lr.forEach(function (pane) { byMatch(pane, j).forEach(function (e) { e.classList.add("active"); }); });
    var first = [byMatch(lr[0], j)[0], byMatch(lr[1], j)[0]];
    lead = null;
    var side = fromPane ? lr.indexOf(fromPane) : -1;
    if (side >= 0) {
      var other = lr[1 - side], mine = first[side], twin = first[1 - side];
      if (other && twin) {
        var y = mine ? offsetIn(fromPane, mine) : other.clientHeight / 3;
        scrollPane(other, twin, Math.max(8, Math.min(y, other.clientHeight - 48)));
      }
    } else {
      ensureVisible(pair);
      for (var i = 0; i < 2; i++) if (lr[i] && first[i]) scrollPane(lr[i], first[i], lr[i].clientHeight / 3);
    }
  }

  function step(d, delta) {
    var doc = docEl(d), n = DATA.docs[d] ? DATA.docs[d].m.length : 0;
    if (!n) return;
    var cur = doc.hasAttribute("data-cur") ? +doc.getAttribute("data-cur") : (delta > 0 ? -1 : n);
    var j = ((cur + delta) % n + n) % n;
    activate(d, j, null);
  }

  // Scroll linking: a piecewise-linear map between the copied passages' starts and ends in
  // the two panes, applied to the centre line of the pane being scrolled.
  function anchors(pair, a, b) {
    var key = a;
    if (anchorCache.has(key)) return anchorCache.get(key);
    var d = +pair.closest(".doc").getAttribute("data-d"), k = pair.getAttribute("data-k");
    var ta = a.getBoundingClientRect().top - a.scrollTop, tb = b.getBoundingClientRect().top - b.scrollTop;
    var pts = [];
    (DATA.docs[d] ? DATA.docs[d].m : []).forEach(function (m, j) {
      if (String(m[0]) !== k || m[1] !== "copy") return; // stock phrases are no landmarks
      var ea = byMatch(a, j), eb = byMatch(b, j);
      if (!ea.length || !eb.length) return;
      pts.push([ea[0].getBoundingClientRect().top - ta, eb[0].getBoundingClientRect().top - tb]);
      pts.push([ea[ea.length - 1].getBoundingClientRect().bottom - ta, eb[eb.length - 1].getBoundingClientRect().bottom - tb]);
    });
    pts.sort(function (x, y) { return x[0] - y[0]; });
    pts.unshift([0, 0]);
    pts.push([a.scrollHeight, b.scrollHeight]);
    anchorCache.set(key, pts);
    return pts;
  }

  function sync(a) {
    var pair = a.closest(".pair");
    var lr = panes(pair), b = lr[0] === a ? lr[1] : lr[0];
    if (!b) return;
    var pts = anchors(pair, a, b), c = a.scrollTop + a.clientHeight / 2, i = 1;
    while (i < pts.length - 1 && pts[i][0] <= c) i++;
    var p = pts[i - 1], q = pts[i];
    var t = q[0] > p[0] ? Math.max(0, Math.min(1, (c - p[0]) / (q[0] - p[0]))) : 0;
    b.scrollTop = p[1] + t * (q[1] - p[1]) - b.clientHeight / 2;
  }

  ["wheel", "touchstart", "pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var t = e.target;
      lead = t && t.closest ? t.closest(".pane") : null;
    }, { passive: true, capture: true });
  });
  document.querySelectorAll(".pane").forEach(function (pane) {
    pane.addEventListener("scroll", function () {
      if (lead !== pane || ticking) return;
      ticking = true;
      window.requestAnimationFrame(function () { ticking = false; sync(pane); });
    }, { passive: true });
  });
  window.addEventListener("resize", function () { anchorCache.clear(); });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var doc = t.closest(".doc");
    if (!doc) return;
    var d = +doc.getAttribute("data-d");
    var pane = t.closest(".pane");
    var hit = pane ? t.closest("[data-m],[data-o]") : null;
    if (hit) {
      var ids = (hit.getAttribute("data-m") || "").split(" ").filter(Boolean);
      if (ids.length) {
        var at = ids.indexOf(doc.getAttribute("data-cur"));
        activate(d, +ids[(at + 1) % ids.length], pane);
      } else {
        activate(d, +hit.getAttribute("data-o").split(" ")[0], null);
      }
      return;
    }
    var jump = t.closest("[data-j]");
    if (jump) {
      e.preventDefault();
      activate(d, +jump.getAttribute("data-j"), null);
      return;
    }
    var pick = t.closest(".pick[data-k]");
    if (pick) {
      selectSource(d, pick.getAttribute("data-k"));
      clearActive(doc);
      ensureVisible(pairOf(d, pick.getAttribute("data-k")));
      return;
    }
    var nav = t.closest("[data-step]");
    if (nav) step(d, +nav.getAttribute("data-step"));
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || !t.matches || !t.matches("select.src-picker")) return;
    var doc = t.closest(".doc"), d = +doc.getAttribute("data-d");
    selectSource(d, t.value);
    clearActive(doc);
  });

  // a reload may restore a picker's value: show the pair it names
  document.querySelectorAll(".doc").forEach(function (doc) {
    var picker = doc.querySelector("select.src-picker");
    if (picker) selectSource(+doc.getAttribute("data-d"), picker.value);
  });
})();
