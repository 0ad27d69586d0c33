/* Terang region maps: Leaflet without any tile layer (no request leaves the server), polygons from
 * /wilayah/<kode>/peta.geojson, tooltip with the name, click opens the region's page.
 * Markup: <div data-terang-map data-geojson-url="..." data-attribution="© Cahya DSN, MIT" data-error="..."> */
(function () {
  "use strict";

  var STYLE = { color: "#1d4ed8", weight: 1.2, opacity: 0.9, fillColor: "#60a5fa", fillOpacity: 0.35 };
  var STYLE_HOVER = { weight: 2.5, fillOpacity: 0.6, fillColor: "#2563eb" };
  var STYLE_STATIC = { color: "#1e40af", weight: 2, fillColor: "#93c5fd", fillOpacity: 0.45 };
  var STYLE_NO_PAGE = { color: "#64748b", weight: 1, opacity: 0.8, fillColor: "#cbd5e1", fillOpacity: 0.35 };

  window.terangMaps = window.terangMaps || [];

  function showError(el) {
    var p = document.createElement("p");
    p.className = "terang-map-error";
    p.textContent = el.getAttribute("data-error") || "Peta tidak dapat dimuat.";
    el.appendChild(p);
    el.setAttribute("data-state", "error");
  }

  function init(el) {
    if (typeof L === "undefined") {
      showError(el);
      return;
    }
    var map = L.map(el, {
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      minZoom: 6,
      maxZoom: 17,
      scrollWheelZoom: false,
      attributionControl: true
    });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(el.getAttribute("data-attribution") || "");
    var entry = { element: el, map: map, layers: {} };
    window.terangMaps.push(entry);

    fetch(el.getAttribute("data-geojson-url"), { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var single = data.features.length === 1;
        var layer = L.geoJSON(data, {
          style: function (feature) {
            if (single) { return STYLE_STATIC; }
            return feature.properties.url ? STYLE : STYLE_NO_PAGE;
          },
          onEachFeature: function (feature, lyr) {
            var props = feature.properties;
            entry.layers[props.kode] = lyr;
            lyr.bindTooltip(props.nama, { sticky: true, direction: "top", className: "terang-map-tooltip" });
            if (props.url && !single) {
              lyr.on("click", function () { window.location.href = props.url; });
              lyr.on("mouseover", function () { lyr.setStyle(STYLE_HOVER); lyr.bringToFront(); });
              lyr.on("mouseout", function () { layer.resetStyle(lyr); });
            }
            lyr.on("add", function () {
              var path = lyr.getElement && lyr.getElement();
              if (path) {
                path.setAttribute("data-kode", props.kode);
                path.setAttribute("aria-label", props.nama);
              }
            });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        el.setAttribute("data-state", "ready");
      })
      .catch(function () { showError(el); });
  }

  function start() {
    var maps = document.querySelectorAll("[data-terang-map]");
    for (var i = 0; i < maps.length; i++) { init(maps[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
