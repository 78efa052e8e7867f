// Live progress of editions: every element with data-progress="<json url>" is refreshed
// once a second until its edition has nothing left to send.
(function () {
  "use strict";
  function set(root, selector, value) {
    root.querySelectorAll(selector).forEach(function (el) { el.textContent = String(value); });
  }
  function update(root, p) {
    var bar = root.querySelector("progress");
    if (bar) { bar.max = p.total || 1; bar.value = p.total ? p.done : 1; }
    Object.keys(p.counts).forEach(function (state) { set(root, '[data-state="' + state + '"]', p.counts[state]); });
    set(root, '[data-field="percent"]', p.percent === undefined ? "" : p.percent);
    set(root, '[data-field="done"]', p.done);
    set(root, '[data-field="total"]', p.total);
    set(root, '[data-field="stopped_by"]', p.stopped_by ? "stopped by " + p.stopped_by : "");
    if (p.finished) {
      root.setAttribute("data-finished", "true");
      document.querySelectorAll("form.stop").forEach(function (f) { f.hidden = true; });
    }
  }
  function poll(root) {
    var url = root.getAttribute("data-progress");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (p) { update(root, p); if (!p.finished) { setTimeout(function () { poll(root); }, 1000); } })
      .catch(function () { setTimeout(function () { poll(root); }, 5000); });
  }
  document.querySelectorAll("[data-progress]").forEach(poll);
})();
