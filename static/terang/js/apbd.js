/* Terang public APBD pages: charts (ECharts, served locally) from the JSON embedded in the page
 * (<script id="apbd-data" type="application/json">), and the stage selector that submits on change.
 * No request leaves the server. Data: {identity: {labels, values}, treemaps: {opd, urusan, akun}, labels}. */
(function () {
  "use strict";

  var NUMBER = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });
  var COLORS = ["#206bc4", "#d63939", "#2fb344", "#f59f00", "#ae3ec9", "#17a2b8", "#f76707", "#74b816", "#4263eb",
    "#d6336c", "#0ca678", "#667382"];

  function rupiah(value) {
    return "Rp " + NUMBER.format(value || 0);
  }

  function shortRupiah(value) {
    var abs = Math.abs(value || 0);
    var units = [[1e12, " T"], [1e9, " M"], [1e6, " jt"]];
    for (var i = 0; i < units.length; i += 1) {
      if (abs >= units[i][0]) {
        return "Rp " + new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(value / units[i][0]) + units[i][1];
      }
    }
    return rupiah(value);
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function autosubmit() {
    var selects = document.querySelectorAll("[data-apbd-autosubmit]");
    Array.prototype.forEach.call(selects, function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          select.form.submit();
        }
      });
    });
  }

  function identityChart(el, data) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var colors = ["#2fb344", "#d63939", "#206bc4", "#f59f00"];
    var narrow = el.clientWidth < 480;  // phones: horizontal bars, so the labels need not be broken
    var category = { type: "category", data: data.labels, axisLabel: { fontSize: 11 } };
    var value = { type: "value", axisLabel: { formatter: shortRupiah, fontSize: 10 } };
    if (!narrow) {
      category.axisLabel = {
        interval: 0,
        width: Math.max(56, Math.floor((el.clientWidth - 72) / Math.max(1, data.labels.length)) - 6),
        overflow: "break",
        lineHeight: 13,
        fontSize: 11
      };
    } else {
      category.inverse = true;
      value.axisLabel = { show: false };  // the bars carry their own labels
    }
    chart.setOption({
      animation: false,
      grid: { left: 8, right: narrow ? 56 : 8, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) { return escapeHtml(p.name) + "<br><b>" + rupiah(p.value) + "</b>"; }
      },
      xAxis: narrow ? value : category,
      yAxis: narrow ? category : value,
      series: [{
        type: "bar",
        barMaxWidth: 64,
        data: data.values.map(function (v, i) { return { value: v, itemStyle: { color: colors[i % colors.length] } }; }),
        label: {
          show: true,
          position: narrow ? "right" : "top",
          formatter: function (p) { return shortRupiah(p.value); },
          fontSize: 11
        }
      }]
    });
    return chart;
  }

  var LEAF_DEPTH = { opd: 1, urusan: 2, akun: 2 };  // agencies first; urusan and accounts show one level more

  function treemapOption(nodes, labels, leafDepth) {
    var total = nodes.reduce(function (sum, n) { return sum + (n.value || 0); }, 0);
    return {
      animation: false,
      color: COLORS,
      tooltip: {
        formatter: function (info) {
          var share = total ? (info.value / total * 100) : 0;
          var name = (info.data && info.data.fullName) || info.name;
          return escapeHtml(name) + "<br><b>" + rupiah(info.value) + "</b> · " +
            new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(share) + "% " + escapeHtml(labels.share || "");
        }
      },
      series: [{
        type: "treemap",
        name: labels.total || "",
        data: nodes,
        roam: false,
        leafDepth: leafDepth,
        nodeClick: "zoomToNode",
        top: 8,
        left: 4,
        right: 4,
        bottom: 36,
        breadcrumb: { show: true, bottom: 4, itemStyle: { color: "#f1f5f9", textStyle: { color: "#1e293b" } } },
        label: {
          show: true,
          position: "insideTopLeft",
          overflow: "truncate",
          formatter: function (p) { return "{name|" + p.name + "}\n{value|" + shortRupiah(p.value) + "}"; },
          rich: {
            name: { fontSize: 12, fontWeight: "bold", color: "#fff", lineHeight: 16 },
            value: { fontSize: 11, color: "#fff", lineHeight: 15 }
          }
        },
        upperLabel: {
          show: true,
          height: 22,
          color: "#fff",
          fontWeight: "bold",
          fontSize: 11,
          overflow: "truncate",
          formatter: function (p) { return p.name + " · " + shortRupiah(p.value); }
        },
        itemStyle: { borderColor: "#fff", borderWidth: 1, gapWidth: 1 },
        levels: [
          { itemStyle: { borderColor: "#fff", borderWidth: 2, gapWidth: 2 } },
          { colorSaturation: [0.35, 0.6], itemStyle: { borderColorSaturation: 0.7, gapWidth: 1, borderWidth: 1 } },
          { colorSaturation: [0.3, 0.5] }
        ]
      }]
    };
  }

  function treemap(el, data) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var buttons = document.querySelectorAll("[data-treemap]");
    function show(key) {
      chart.clear();
      chart.setOption(treemapOption(data.treemaps[key] || [], data.labels || {}, LEAF_DEPTH[key] || 1));
      Array.prototype.forEach.call(buttons, function (b) {
        var on = b.getAttribute("data-treemap") === key;
        b.classList.toggle("btn-primary", on);
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      el.setAttribute("data-view", key);
    }
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-treemap")); });
    });
    show("opd");
    return chart;
  }

  function charts() {
    var script = document.getElementById("apbd-data");
    if (!script) {
      return;
    }
    var data = JSON.parse(script.textContent);
    if (typeof echarts === "undefined") {
      return;
    }
    var made = [];
    var bar = document.getElementById("apbd-identity-chart");
    if (bar && data.identity) {
      made.push(identityChart(bar, data.identity));
    }
    var tree = document.getElementById("apbd-treemap");
    if (tree && data.treemaps) {
      made.push(treemap(tree, data));
    }
    window.terangApbdCharts = made;
    window.addEventListener("resize", function () {
      made.forEach(function (c) { c.resize(); });
    });
  }

  function init() {
    autosubmit();
    charts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
