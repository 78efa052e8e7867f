// Live progress of editions: every element with data-progress="<json url>" is refreshed
// once a second until its edition has nothing left to send.
(function () {
  "use strict";
  function set(root, selector, value) {
    root.querySelectorAll(selector).forEach(function (el) { el.textContent = String(value); });
  }
  function update(root, p) {
    var stopped = root.querySelector('[data-field="stopped"]');
    if (p.stopped_by && stopped && !stopped.textContent.trim()) {
      // Stopped elsewhere: the page says by whom, when, and how many were not sent.
      window.location.reload();
      return;
    }
    var bar = root.querySelector("progress");
    if (bar) { bar.max = p.total || 1; bar.value = p.total ? (p.stopped_by ? p.sent : p.done) : 1; }
    Object.keys(p.counts).forEach(function (state) { set(root, '[data-state="' + state + '"]', p.counts[state]); });
    set(root, '[data-field="percent"]', p.percent === undefined ? "" : p.percent);
    set(root, '[data-field="done"]', p.done);
    set(root, '[data-field="total"]', p.total);
    set(root, '[data-field="suppressed"]', p.suppressed);
    Object.keys(p.by_channel || {}).forEach(function (channel) {
      set(root, '[data-channel-done="' + channel + '"]', p.by_channel[channel].done);
      set(root, '[data-channel-total="' + channel + '"]', p.by_channel[channel].total);
    });
    Object.keys(p.channels || {}).forEach(function (channel) {
      Object.keys(p.channels[channel]).forEach(function (state) {
        set(document, '[data-channel-state="' + channel + ":" + state + '"]', p.channels[channel][state]);
      });
    });
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

  // Drafts: what is typed into a form marked data-draft="<name>" is kept in this tab's
  // sessionStorage, so a session that ends (or a slip of the back button) never loses it.
  // A fresh form (data-draft-restore) gets it back; a page with data-clear-draft drops it.
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
    });
  }
  function save(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { values[el.name] = el.value; } }
      else if (el.type === "checkbox") { (values[el.name] = values[el.name] || []); if (el.checked) { values[el.name].push(el.value); } }
      else { values[el.name] = el.value; }
    });
    try { sessionStorage.setItem("draft:" + form.getAttribute("data-draft"), JSON.stringify(values)); } catch (e) { /* storage off */ }
  }
  function restore(form) {
    var raw = null;
    try { raw = sessionStorage.getItem("draft:" + form.getAttribute("data-draft")); } catch (e) { return; }
    if (!raw) { return; }
    var values = JSON.parse(raw);
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      var value = values[el.name];
      if (el.type === "radio") { el.checked = el.value === value; }
      else if (el.type === "checkbox") { el.checked = value.indexOf(el.value) >= 0; }
      else { el.value = value; }
    });
  }
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    if (form.hasAttribute("data-draft-restore")) { restore(form); }
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
  });
  // A form that destroys something asks first (data-confirm="<the question>").
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    try { sessionStorage.removeItem("draft:" + el.getAttribute("data-clear-draft")); } catch (e) { /* storage off */ }
  });
})();
