// Edition figures, list trends and the breaker alert, drawn with Chart.js (served from our origin).
"use strict";
(function () {
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function bar(canvas, labels, values, label, horizontal) {
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: "#b3261e" }] },
      options: { indexAxis: horizontal ? "y" : "x", animation: false, aspectRatio: 3,
                 plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } },
                           y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    if (numeric) { td.className = "num"; }
    td.textContent = String(text);
    row.appendChild(td);
  }

  function edition(root) {
    get(root.dataset.stats).then(function (s) {
      var funnel = ["recipients", "delivered", "opened", "clicked"];
      bar(root.querySelector("canvas.funnel"), funnel, funnel.map(function (k) { return s[k]; }), "recipients", true);
      bar(root.querySelector("canvas.stories"), s.stories.map(function (st) { return st.title.slice(0, 40); }),
          s.stories.map(function (st) { return st.clicks; }), "unique human clicks", false);
      var table = root.querySelector("table.figures tbody");
      Object.keys(s.by_channel.email).forEach(function (k) {
        var row = document.createElement("tr");
        row.dataset.figure = k;
        cell(row, k); cell(row, s[k], true); cell(row, s.by_channel.email[k], true);
        cell(row, k in s.by_channel.telegram ? s.by_channel.telegram[k] : "", true);
        table.appendChild(row);
      });
      var pause = root.querySelector(".breaker");
      if (s.paused && !s.paused.resolved) {
        pause.querySelector(".reason").textContent = s.paused.reason;
        pause.hidden = false;
      }
      root.dataset.ready = "true";
    });
  }

  function trends(root) {
    [30, 90].forEach(function (days) {
      get(root.dataset.trends + "?days=" + days).then(function (t) {
        var labels = t.editions.map(function (e) { return e.date; });
        var keys = ["subscribers", "delivered", "clicked", "unsubscribed", "complaints"];
        var colours = ["#555555", "#1f6feb", "#b3261e", "#9a6700", "#6e40c9"];
        new Chart(root.querySelector("canvas.days-" + days), {
          type: "line",
          data: { labels: labels, datasets: keys.map(function (k, i) {
            return { label: k, data: t.editions.map(function (e) { return e[k]; }), borderColor: colours[i] };
          }) },
          options: { animation: false, aspectRatio: 3, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        });
        root.dataset["ready" + days] = "true";
      });
    });
  }

  function alerts(root) {
    get(root.dataset.url).then(function (paused) {
      var list = root.querySelector("ul");
      paused.forEach(function (p) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "/admin/editions/" + p.edition;
        link.textContent = "Edition " + p.edition + " (" + p.list + ")";
        item.appendChild(link);
        item.appendChild(document.createTextNode(": email paused — " + p.reason));
        list.appendChild(item);
      });
      root.hidden = paused.length === 0;
      root.dataset.ready = "true";
    });
  }

  document.querySelectorAll("[data-stats]").forEach(edition);
  document.querySelectorAll("[data-trends]").forEach(trends);
  document.querySelectorAll(".breaker-alert[data-url]").forEach(alerts);
})();
