/*
 * Draw every chart on the page from its JSON data block; no inline script, so a strict CSP holds.
 *
 *   <div class="chart" data-chart="pain-chart" role="figure" aria-label="..."></div>
 *   <script type="application/json" id="pain-chart">{{ figure|tojson }}</script>
 *   <script src="{{ url_for('vendor.plotly_js', v=plotly_version()) }}" defer></script>
 *   <script src="{{ url_for('static', filename='charts.js') }}" defer></script>
 *
 * (templates/_charts.html writes all of this: chart() and chart_scripts().)
 *
 * The JSON is a figure from recovery/charts.py: {data, layout, config?}. When plotly did not load,
 * or a block is missing or broken, the element keeps its own fallback content (e.g. the table).
 */
(function () {
  "use strict";

  var DEFAULTS = { responsive: true, displaylogo: false };

  function figureFor(element) {
    var block = document.getElementById(element.getAttribute("data-chart"));
    if (!block || block.getAttribute("type") !== "application/json") {
      return null;
    }
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      return null;
    }
  }

  function draw(element) {
    var figure = figureFor(element);
    if (!figure || !figure.data) {
      return;
    }
    var config = Object.assign({}, DEFAULTS, figure.config || {});
    element.textContent = "";
    window.Plotly.newPlot(element, figure.data, figure.layout || {}, config);
    element.setAttribute("data-chart-drawn", "true");
  }

  function drawAll() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
