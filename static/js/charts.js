/* Draw the therapy page's charts with Chart.js. The tables next to them carry the same data,
   so the page reads the same without JavaScript; this file only adds the pictures. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;

  var BAR = "#1f5f99";
  var BAR_HOVER = "#0d2b45";

  function readData(figure) {
    var node = document.getElementById(figure.dataset.chartSource);
    return node ? JSON.parse(node.textContent) : null;
  }

  function go(bars, elements) {
    if (elements.length && bars[elements[0].index].url) {
      window.location.href = bars[elements[0].index].url;
    }
  }

  function years(canvas, data) {
    var bars = data.bars;
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: bars.map(function (b) { return b.label; }),
        datasets: [{
          label: "Papers",
          data: bars.map(function (b) { return b.count; }),
          backgroundColor: BAR,
          hoverBackgroundColor: BAR_HOVER,
        }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        onClick: function (event, elements) { go(bars, elements); },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false }, title: { display: true, text: data.title } },
      },
    });
  }

  // The reconstitution chart is server-rendered SVG (papers/views/reconstitution_chart.py).
  var draw = { years: years };
  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    var data = readData(figure);
    var kind = draw[figure.dataset.chart];
    if (!data || !kind || !data.bars.length) return;
    figure.hidden = false;
    kind(figure.querySelector("canvas"), data);
    figure.dataset.chartReady = "true";
    // With the chart drawn, fold the long year table; without JavaScript it stays open.
    var table = figure.parentElement.querySelector("details.chart-table");
    if (figure.dataset.chart === "years" && table) table.open = false;
  });
})();
