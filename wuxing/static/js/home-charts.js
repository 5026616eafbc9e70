// First-page charts: every element with data-chart="NAME" is drawn from the JSON in <script id="chart-NAME">
// (written by the server; the same numbers are in the table under the chart). Without ECharts (no npm at
// install time) the tables alone carry the numbers.
(function () {
  "use strict";
  var LEVEL_COLORS = ["#bdbdbd", "#ffe082", "#ffca28", "#ffa000", "#ef6c00", "#b71c1c"];
  var PAIR_COLORS = ["#90a4ae", "#b71c1c"];

  function option(spec) {
    if (spec.type === "line") return lineOption(spec);
    var stacked = spec.type === "stacked";
    var byLevel = spec.series.length === 6;
    return {
      animation: false,
      color: byLevel ? LEVEL_COLORS : PAIR_COLORS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: spec.series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 40, right: 16, top: spec.series.length > 1 ? 36 : 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s, i) {
        return {
          name: s.name, type: "bar", data: s.data, stack: stacked ? "levels" : undefined, barMaxWidth: 90,
          itemStyle: !byLevel && spec.series.length === 1 ? { color: LEVEL_COLORS[5] } : undefined,
          label: { show: !stacked, position: "top" },
        };
      }),
    };
  }

  // Trends (e.g. places in a ranking, month by month); "inverse" puts place 1 at the top.
  function lineOption(spec) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: spec.series.length > 1 ? { top: 0, type: "scroll" } : undefined,
      grid: { left: 40, right: 16, top: 36, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", minInterval: 1, inverse: !!spec.inverse, min: spec.inverse ? 1 : undefined },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 8 };
      }),
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById("chart-" + el.dataset.chart);
      if (!source) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(JSON.parse(source.textContent)));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
