// Maps with Leaflet (served by the app). Every map is declared in HTML with data attributes, so
// the pages work without this file and without a reachable tile server.
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var REGION = [[58.9, 11.7], [62.4, 17.6]];

  function baseMap(element) {
    var map = L.map(element, { scrollWheelZoom: false });
    var tiles = element.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 18,
        attribution: element.getAttribute("data-attribution") || ""
      }).addTo(map);
    }
    map.fitBounds(REGION);
    if (element.getAttribute("data-outlines")) { drawOutlines(map, element.getAttribute("data-outlines")); }
    return map;
  }

  function drawOutlines(map, url) {
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data || !data.features.length) { return; }
      L.geoJSON(data, {
        interactive: false,
        style: { color: "#4a5a54", weight: 1, fill: false, opacity: 0.7 }
      }).addTo(map);
    });
  }

  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (cls) { node.className = cls; }
    return node;
  }

  function popup(feature, labels) {
    var p = feature.properties;
    var box = document.createElement("div");
    box.appendChild(text("span", p.direction === "offer" ? labels.offer : labels.want, "tag tag--" + p.direction));
    var link = text("a", p.title);
    link.href = p.url;
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.appendChild(link);
    box.appendChild(title);
    var line = p.quantity.toLocaleString(document.documentElement.lang) + " " + (labels.units[p.unit] || p.unit);
    if (p.distance_km !== undefined) { line += " · " + p.distance_km.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }) + " km"; }
    box.appendChild(text("p", line));
    if (p.anonymous) { box.appendChild(text("p", labels.approximate, "muted")); }
    return box;
  }

  function listingMap(element) {
    var map = baseMap(element);
    var labels = JSON.parse(element.getAttribute("data-labels"));
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    map.addLayer(cluster);
    var circle = null;
    var centre = element.getAttribute("data-centre");
    if (centre) {
      var c = JSON.parse(centre);
      circle = L.circle([c.lat, c.lon], { radius: c.radius_m, color: "#1f5f4a", weight: 2, fillOpacity: 0.05 }).addTo(map);
      L.circleMarker([c.lat, c.lon], { radius: 5, color: "#1d2a25", fillOpacity: 1 }).addTo(map);
    }
    var area = element.getAttribute("data-area");
    var shape = null;
    if (area) { shape = L.geoJSON(JSON.parse(area), { style: { color: "#1d4f91", weight: 2, fillOpacity: 0.05 } }).addTo(map); }
    var embedded = element.getAttribute("data-features");
    var source = embedded ? Promise.resolve(JSON.parse(embedded))
      : fetch(element.getAttribute("data-api")).then(function (r) { return r.json(); });
    source.then(function (data) {
      var markers = data.features.map(function (f) {
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        var marker = L.circleMarker(ll, {
          radius: 8, weight: 2, fillOpacity: 0.85,
          color: "#ffffff",
          fillColor: f.properties.direction === "offer" ? "#1f5f4a" : "#1d4f91",
          className: "marker marker--" + f.properties.direction
        });
        marker.bindPopup(popup(f, labels));
        return marker;
      });
      cluster.addLayers(markers);
      element.setAttribute("data-markers", String(markers.length));
      if (circle) { map.fitBounds(circle.getBounds()); }
      else if (shape) { map.fitBounds(shape.getBounds()); }
      else if (markers.length) { map.fitBounds(cluster.getBounds(), { maxZoom: 12, padding: [20, 20] }); }
    });
    var drawButton = document.querySelector("[data-draw-area]");
    if (drawButton) { enableDrawing(map, drawButton); }
  }

  // Draw a polygon by clicking points; "finish" writes it to the search form's hidden `area`.
  function enableDrawing(map, button) {
    var form = document.getElementById(button.getAttribute("data-draw-area"));
    var input = form.querySelector("input[name=area]");
    var finish = document.querySelector("[data-finish-area]");
    var points = [];
    var line = null;
    var drawing = false;
    button.addEventListener("click", function () {
      drawing = !drawing;
      points = [];
      if (line) { map.removeLayer(line); line = null; }
      button.setAttribute("aria-pressed", drawing ? "true" : "false");
      finish.hidden = !drawing;
      map.getContainer().classList.toggle("drawing", drawing);
    });
    map.on("click", function (event) {
      if (!drawing) { return; }
      points.push(event.latlng);
      if (line) { map.removeLayer(line); }
      line = L.polygon(points, { color: "#1d4f91", weight: 2, fillOpacity: 0.1 }).addTo(map);
    });
    finish.addEventListener("click", function () {
      if (points.length < 3) { return; }
      input.value = points.map(function (p) { return p.lng.toFixed(5) + "," + p.lat.toFixed(5); }).join(";");
      form.submit();
    });
  }

  // Pick a site's location: click or drag the marker; with boundaries loaded, the
  // municipality under the point is proposed in the form.
  function sitePicker(element) {
    var map = baseMap(element);
    var lat = document.getElementById("lat");
    var lon = document.getElementById("lon");
    var municipality = document.getElementById("municipality_code");
    var marker = null;
    function place(latlng, propose) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: element.getAttribute("data-marker-title") }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      } else { marker.setLatLng(latlng); }
      lat.value = latlng.lat.toFixed(5);
      lon.value = latlng.lng.toFixed(5);
      if (propose) { proposeMunicipality(latlng); }
    }
    function proposeMunicipality(latlng) {
      fetch(element.getAttribute("data-lookup") + "?lat=" + latlng.lat + "&lon=" + latlng.lng)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.municipality) {
            municipality.value = data.municipality;
            var status = document.getElementById("site-map-status");
            if (status) { status.textContent = element.getAttribute("data-proposed") + " " + municipality.options[municipality.selectedIndex].text; }
          }
        });
    }
    function centreOnMunicipality() {
      var option = municipality.options[municipality.selectedIndex];
      if (option && option.getAttribute("data-lat") && !lat.value) {
        map.setView([+option.getAttribute("data-lat"), +option.getAttribute("data-lon")], 11);
      }
    }
    if (lat.value && lon.value) {
      place(L.latLng(+lat.value.replace(",", "."), +lon.value.replace(",", ".")), false);
      map.setView(marker.getLatLng(), 12);
    } else { centreOnMunicipality(); }
    map.on("click", function (event) { place(event.latlng, true); });
    municipality.addEventListener("change", centreOnMunicipality);
    var postcode = document.getElementById("postcode");
    var town = document.getElementById("town");
    if (postcode) {
      postcode.addEventListener("change", function () {
        if (lat.value || postcode.value.replace(/\D/g, "").length !== 5) { return; }
        fetch(element.getAttribute("data-postcode-lookup") + "?code=" + encodeURIComponent(postcode.value))
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) { return; }
            map.setView([data.lat, data.lon], 12);
            if (data.municipality && !municipality.value) { municipality.value = data.municipality; }
            if (town && !town.value) { town.value = data.place; }
          });
      });
    }
  }

  function pointMap(element) {
    var map = baseMap(element);
    var p = JSON.parse(element.getAttribute("data-point"));
    var ll = [p.lat, p.lon];
    if (p.approximate) {
      L.circle(ll, { radius: 8000, color: "#1d4f91", weight: 1, fillOpacity: 0.1 }).addTo(map);
      map.setView(ll, 9);
    } else {
      L.circleMarker(ll, { radius: 9, color: "#ffffff", weight: 2, fillColor: "#1f5f4a", fillOpacity: 0.9 }).addTo(map);
      map.setView(ll, 11);
    }
  }

  // The alert form's map: a click sets the circle's centre (circle) or adds a corner (polygon);
  // the form's own fields hold the values, so the form also works without the map.
  function alertAreaMap(element) {
    var map = baseMap(element);
    var form = element.closest("form");
    var field = function (name) { return form.querySelector("[name=" + name + "]"); };
    var lat = field("center_lat"), lon = field("center_lon"), radius = field("radius_km");
    var site = field("site_id"), polygon = field("polygon");
    var circle = null, shape = null, points = [];
    function kind() { var c = form.querySelector("input[name=area_kind]:checked"); return c ? c.value : ""; }
    function km() { var v = parseFloat(String(radius.value).replace(/\s/g, "").replace(",", ".")); return isFinite(v) && v > 0 ? v : 0; }
    function drawCircle() {
      if (circle) { map.removeLayer(circle); circle = null; }
      var option = site.options[site.selectedIndex];
      var la = option && option.getAttribute("data-lat") ? +option.getAttribute("data-lat") : parseFloat(lat.value);
      var lo = option && option.getAttribute("data-lon") ? +option.getAttribute("data-lon") : parseFloat(lon.value);
      if (kind() !== "circle" || !isFinite(la) || !isFinite(lo) || !km()) { return; }
      circle = L.circle([la, lo], { radius: km() * 1000, color: "#1f5f4a", weight: 2, fillOpacity: 0.08 }).addTo(map);
      map.fitBounds(circle.getBounds());
    }
    function drawShape() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (kind() !== "polygon" || !polygon.value) { return; }
      try { shape = L.geoJSON(JSON.parse(polygon.value), { style: { color: "#1d4f91", weight: 2, fillOpacity: 0.1 } }).addTo(map); }
      catch (e) { return; }
    }
    map.on("click", function (event) {
      if (kind() === "circle") {
        site.value = "";
        lat.value = event.latlng.lat.toFixed(6);
        lon.value = event.latlng.lng.toFixed(6);
        drawCircle();
      } else if (kind() === "polygon") {
        points.push([+event.latlng.lng.toFixed(5), +event.latlng.lat.toFixed(5)]);
        if (points.length >= 3) {
          polygon.value = JSON.stringify({ type: "Polygon", coordinates: [points.concat([points[0]])] });
        }
        if (shape) { map.removeLayer(shape); }
        shape = L.polygon(points.map(function (p) { return [p[1], p[0]]; }), { color: "#1d4f91", weight: 2, fillOpacity: 0.1 }).addTo(map);
      }
    });
    var clear = document.querySelector("[data-clear-area]");
    if (clear) { clear.addEventListener("click", function () { points = []; polygon.value = ""; drawShape(); }); }
    [site, radius].forEach(function (input) { input.addEventListener("change", drawCircle); });
    form.querySelectorAll("input[name=area_kind]").forEach(function (input) {
      input.addEventListener("change", function () { drawCircle(); drawShape(); });
    });
    drawCircle();
    drawShape();
    if (shape) { map.fitBounds(shape.getBounds()); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map=alert-area]").forEach(alertAreaMap);
    document.querySelectorAll("[data-map=listings]").forEach(listingMap);
    document.querySelectorAll("[data-map=site-picker]").forEach(sitePicker);
    document.querySelectorAll("[data-map=point]").forEach(pointMap);
  });
})();
