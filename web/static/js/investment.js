/*
 * 招商地块 investment page: the public parcel API on a map and in a list.
 *
 * Reads GET /api/v1/parcels.geojson with the filter form's values (the API's own parameter names), draws
 * the parcels coloured by demolition or acquisition status, fills the legend and the list, and keeps map
 * and list linked (a row zooms to its parcel and opens its popup; a parcel highlights its row). A popup
 * shows every public attribute and, fetched when it opens, the parcel's planning constraints in plain
 * words; an investor registers interest through POST /api/v1/parcels/{code}/interest.
 */
(function () {
  'use strict';

  var B = window.Blueprint;
  var config = B.config;
  var t = B.t;
  var esc = B.escapeHtml;
  var FILTERS = ['district', 'land_use', 'acquisition_status', 'demolition_status', 'availability', 'sort',
    'area_min', 'area_max'];
  var MARKER_MAX_ZOOM = 14;  // below it a parcel is a few pixels wide: a marker shows where it is
  var state = { colourBy: 'demolition_status', layer: null, markers: null, byCode: {}, features: [], selected: null,
    constraints: null };  // constraints: {code, html} of the open popup, fetched when it opened

  // ---- styling and legend -------------------------------------------------------------------------

  function fillColour(properties) {
    return config.colours[state.colourBy][properties[state.colourBy]] || config.unknownColour;
  }

  /** Fill by the chosen status; outline by availability (reserved dashed, transferred faded). */
  function parcelStyle(feature) {
    var availability = feature.properties.availability;
    var selected = feature.properties.parcel_code === state.selected;
    return {
      color: selected ? '#000000' : '#2c3e50',
      weight: selected ? 3.5 : 1.5,
      opacity: availability === 'transferred' ? 0.6 : 1,
      dashArray: availability === 'reserved' ? '6 4' : null,
      fillColor: fillColour(feature.properties),
      fillOpacity: availability === 'transferred' ? 0.25 : 0.65
    };
  }

  function swatch(colour, extra) {
    return '<span class="swatch parcel-swatch" style="background:' + esc(colour) + ';' + (extra || '') + '"></span>';
  }

  function renderLegend() {
    var field = state.colourBy;
    var counts = {};
    state.features.forEach(function (feature) {
      var value = feature.properties[field];
      counts[value] = (counts[value] || 0) + 1;
    });
    var known = config.statusValues[field];
    var unknown = state.features.length - known.reduce(function (sum, value) { return sum + (counts[value] || 0); }, 0);
    var items = known.map(function (value) {
      return '<li data-status="' + esc(value) + '">' + swatch(config.colours[field][value]) + ' <span>' +
        esc(t('status.' + field + '.' + value)) + '</span> <small class="text-muted legend-count">' +
        (counts[value] || 0) + '</small></li>';
    });
    if (unknown) {
      items.push('<li data-status="unknown">' + swatch(config.unknownColour) + ' <span>' +
        esc(t('inv.legend.unknown')) + '</span> <small class="text-muted">' + unknown + '</small></li>');
    }
    items.push('<li>' + swatch('transparent', 'border:2px dashed #2c3e50') + ' <span>' + esc(t('inv.legend.reserved')) + '</span></li>');
    items.push('<li>' + swatch('#bdc3c7', 'opacity:.6') + ' <span>' + esc(t('inv.legend.transferred')) + '</span></li>');
    document.getElementById('parcel-legend').innerHTML = items.join('');
  }

  function markerStyle(feature) {
    var style = parcelStyle(feature);
    return { radius: 6, color: style.color, weight: 1.5, opacity: style.opacity, dashArray: null,
      fillColor: style.fillColor, fillOpacity: Math.max(style.fillOpacity, 0.45) };
  }

  function recolour() {
    if (state.layer) { state.layer.setStyle(parcelStyle); }
    if (state.markers) { state.markers.eachLayer(function (marker) { marker.setStyle(markerStyle(marker.feature)); }); }
    renderLegend();
    renderList();
  }

  // ---- values as people read them ----------------------------------------------------------------

  function display(name, value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    if (config.statusValues[name]) {
      var label = t('status.' + name + '.' + value);
      return esc(label.indexOf('status.') === 0 ? value : label);
    }
    switch (name) {
      case 'area_m2': return B.number(value, 2) + ' ' + esc(t('area.m2'));
      case 'area_mu': return B.number(value, 2) + ' ' + esc(t('area.mu'));
      case 'area_ha': return B.number(value, 4) + ' ' + esc(t('area.ha'));
      case 'acquisition_percent': return B.number(value, 1) + ' %';
      case 'households_remaining': return B.number(value, 0) + ' ' + esc(t('inv.households'));
      case 'buildings_remaining': return B.number(value, 0) + ' ' + esc(t('inv.buildings'));
      case 'supply_method': {
        var supply = t('supply.' + value);
        return esc(supply.indexOf('supply.') === 0 ? value : supply);
      }
      default: return esc(value);
    }
  }

  function landUseLabel(properties) {
    var name = config.lang === 'en' ? (properties.landuse_name_en || properties.landuse_name) : properties.landuse_name;
    return (properties.landuse_code || '') + ' ' + (name || '');
  }

  function popupHtml(properties) {
    var rows = config.fields.map(function (name) {
      return '<tr data-field="' + esc(name) + '"><th>' + esc(t('field.' + name)) + '</th><td>' +
        display(name, properties[name]) + '</td></tr>';
    }).join('');
    var code = properties.parcel_code;
    var action = properties.availability === 'transferred'
      ? '<div class="small text-muted">' + esc(t('inv.interest.closed')) + '</div>'
      : '<button type="button" class="btn btn-sm btn-success parcel-interest" data-code="' + esc(code) + '">' +
        '<i class="fa-solid fa-handshake"></i> ' + esc(t('inv.interest')) + '</button>';
    // Constraints and the way to act first: they are what an investor decides on; then every attribute.
    return '<div class="parcel-popup" data-code="' + esc(code) + '"><div class="parcel-popup-title">' + esc(code) +
      ' <small class="text-muted">' + esc(landUseLabel(properties)) + '</small></div>' +
      '<div class="parcel-constraints"><div class="fw-bold">' + esc(t('inv.constraints')) + '</div>' +
      '<div class="constraint-body">' + (state.constraints && state.constraints.code === code ? state.constraints.html
        : '<span class="text-muted">' + esc(t('inv.loading')) + '</span>') + '</div></div>' + action +
      '<table class="table table-sm parcel-attributes">' + rows + '</table></div>';
  }

  function constraintsHtml(constraints) {
    var lang = config.lang;
    if (!constraints.checked) { return '<div class="text-muted">' + esc(constraints.note[lang]) + '</div>'; }
    var html = constraints.items.length ? '<ul class="constraint-list">' + constraints.items.map(function (item) {
      return '<li class="constraint constraint-' + esc(item.severity) + '">' + esc(item.text[lang]) +
        ' <small class="text-muted">(' + B.number(item.overlap.percent, 1) + ' % · ' + esc(t('inv.ask')) + ' ' +
        esc(item.department[lang]) + ')</small></li>';
    }).join('') + '</ul>' : '<div class="text-success">' + esc(t('inv.constraints.none')) + '</div>';
    if (constraints.unchecked_layers.length) {
      html += '<div class="small text-muted">' + esc(t('inv.constraints.unchecked')) +
        esc(constraints.unchecked_layers.map(function (layer) { return layer[lang]; }).join('、')) + '</div>';
    }
    return html;
  }

  /** Fetch a parcel's constraints (never cached: a new layer version changes them) into its open popup. */
  function loadConstraints(popup, code) {
    state.constraints = null;
    function show(html) {
      if (!popup.isOpen()) { return; }
      state.constraints = { code: code, html: html };
      popup.update();  // re-renders the popup's content function, now with the constraints
    }
    B.api('/parcels/' + encodeURIComponent(code)).then(function (detail) {
      show(constraintsHtml(detail.constraints));
    }, function (error) {
      show('<span class="text-danger">' + esc(t('error.generic')) + esc(error.message) + '</span>');
    });
  }

  // ---- map and list -------------------------------------------------------------------------------

  function select(code, fromMap) {
    var previous = state.selected;
    state.selected = code;
    [previous, code].forEach(function (each) {
      if (each && state.byCode[each]) { state.byCode[each].setStyle(parcelStyle(state.byCode[each].feature)); }
    });
    document.querySelectorAll('.parcel-row').forEach(function (row) {
      row.classList.toggle('active', row.getAttribute('data-code') === code);
    });
    var row = document.querySelector('.parcel-row[data-code="' + CSS.escape(code) + '"]');
    if (row && fromMap) { row.scrollIntoView({ block: 'nearest' }); }
  }

  function showMarkers() {
    if (!state.markers) { return; }
    if (B.map().getZoom() < MARKER_MAX_ZOOM) { state.markers.addTo(B.map()); } else { B.map().removeLayer(state.markers); }
  }

  function drawParcels(collection) {
    if (state.layer) { B.map().removeLayer(state.layer); }
    if (state.markers) { B.map().removeLayer(state.markers); }
    state.byCode = {};
    state.features = collection.features;
    state.layer = L.geoJSON(collection, {
      className: 'parcel-shape',
      bubblingMouseEvents: false,  // a parcel click is the parcel's, not the district identify's
      style: parcelStyle,
      onEachFeature: function (feature, layer) {
        var code = feature.properties.parcel_code;
        state.byCode[code] = layer;
        layer.bindTooltip(esc(code) + ' · ' + esc(landUseLabel(feature.properties)), { sticky: true });
        layer.bindPopup(function () { return popupHtml(feature.properties); }, B.popupFit(380, 460));
        layer.on('popupopen', function (event) { select(code, true); loadConstraints(event.popup, code); });
        layer.on('popupclose', function () { state.constraints = null; });
        layer.on('add', function () { layer.getElement().setAttribute('data-code', code); });
      }
    }).addTo(B.map());
    state.markers = L.featureGroup(collection.features.map(function (feature) {
      var code = feature.properties.parcel_code;
      var marker = L.circleMarker(state.byCode[code].getBounds().getCenter(),
        L.extend({ className: 'parcel-marker', bubblingMouseEvents: false }, markerStyle(feature)));
      marker.feature = feature;
      marker.bindTooltip(esc(code) + ' · ' + esc(landUseLabel(feature.properties)));
      marker.on('click', function () { zoomTo(code); });
      return marker;
    }));
    showMarkers();
    if (state.selected && !state.byCode[state.selected]) { state.selected = null; }
  }

  function renderList() {
    var list = document.getElementById('parcel-list');
    document.getElementById('parcel-count').textContent = t('inv.count', { n: state.features.length });
    if (!state.features.length) {
      list.innerHTML = '<li class="text-muted small">' + esc(t('inv.none')) + '</li>';
      return;
    }
    list.innerHTML = state.features.map(function (feature) {
      var p = feature.properties;
      return '<li class="parcel-row' + (p.parcel_code === state.selected ? ' active' : '') + '" tabindex="0" data-activate data-code="' +
        esc(p.parcel_code) + '">' + swatch(fillColour(p)) + '<div class="parcel-row-main"><div><b>' + esc(p.parcel_code) +
        '</b> <span class="text-muted">' + esc(p.district_name || p.district_code || '') + '</span></div>' +
        '<div class="small">' + esc(landUseLabel(p)) + ' · ' + display('area_mu', p.area_mu) + '</div>' +
        '<div class="small text-muted">' + esc(t('field.acquisition_status')) + ' ' + display('acquisition_status', p.acquisition_status) +
        ' · ' + esc(t('field.demolition_status')) + ' ' + display('demolition_status', p.demolition_status) +
        ' · ' + display('availability', p.availability) + '</div></div></li>';
    }).join('');
  }

  function zoomTo(code) {
    var layer = state.byCode[code];
    if (!layer) { return; }
    B.map().fitBounds(layer.getBounds(), { maxZoom: 16, padding: [40, 40] });
    layer.openPopup();
  }

  // ---- filters ------------------------------------------------------------------------------------

  function filterForm() { return document.getElementById('parcel-filters'); }

  function queryString() {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var value = filterForm().elements[name].value.trim();
      if (value) { params.set(name, value); }
    });
    return params.toString();
  }

  function showProblem(error) {
    B.showMessage(document.getElementById('parcel-message'), 'danger', esc(t('error.generic')) + esc(error.message));
  }

  function load(fit) {
    var query = queryString();
    document.getElementById('parcel-message').innerHTML = '';
    document.getElementById('export-geojson').href = config.api + '/parcels.geojson' + (query ? '?' + query : '');
    document.getElementById('export-csv').href = config.api + '/parcels.csv?' + (query ? query + '&' : '') + 'lang=' + config.lang;
    var url = new URL(window.location.href);
    url.search = (query ? query + '&' : '') + 'lang=' + config.lang;
    window.history.replaceState(null, '', url);
    return B.api('/parcels.geojson' + (query ? '?' + query : '')).then(function (collection) {
      B.map().closePopup();
      drawParcels(collection);
      renderLegend();
      renderList();
      if (fit && collection.features.length) {
        B.map().fitBounds(state.layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
      }
      document.body.setAttribute('data-parcels-loaded', String(collection.features.length));
    }, showProblem);
  }

  // ---- interest -----------------------------------------------------------------------------------

  function openInterest(code) {
    var form = document.getElementById('interest-form');
    form.reset();
    form.setAttribute('data-code', code);
    document.getElementById('interest-parcel').textContent = code;
    document.getElementById('interest-message').innerHTML = '';
    document.getElementById('interest-submit').disabled = false;
    window.bootstrap.Modal.getOrCreateInstance(document.getElementById('interest-modal')).show();
  }

  function submitInterest(event) {
    event.preventDefault();
    var form = event.target;
    var code = form.getAttribute('data-code');
    var body = {};
    ['organisation', 'contact_name', 'phone', 'email', 'intended_use'].forEach(function (name) {
      var value = form.elements[name].value.trim();
      body[name] = value || (name === 'phone' || name === 'email' ? null : '');
    });
    var message = document.getElementById('interest-message');
    B.api('/parcels/' + encodeURIComponent(code) + '/interest', { method: 'POST', body: body }).then(function (answer) {
      B.showMessage(message, 'success', esc(answer.message[config.lang]));
      document.getElementById('interest-submit').disabled = true;
    }, function (error) {
      B.showMessage(message, 'danger', esc(error.message));
    });
  }

  // ---- start --------------------------------------------------------------------------------------

  B.ready(function () {
    // The modal lives under <body>, above the map's stacking context.
    document.body.appendChild(document.getElementById('interest-modal'));
    var form = filterForm();
    var initial = new URLSearchParams(window.location.search);
    FILTERS.forEach(function (name) { if (initial.has(name)) { form.elements[name].value = initial.get(name); } });
    form.addEventListener('submit', function (event) { event.preventDefault(); load(true); });
    form.addEventListener('reset', function () { window.setTimeout(function () { load(true); }, 0); });
    document.querySelectorAll('input[name="colour-by"]').forEach(function (radio) {
      radio.addEventListener('change', function () { state.colourBy = radio.value; recolour(); });
    });
    var list = document.getElementById('parcel-list');
    list.addEventListener('click', function (event) {
      var row = event.target.closest('.parcel-row');
      if (row) { zoomTo(row.getAttribute('data-code')); }
    });
    document.addEventListener('click', function (event) {
      var button = event.target.closest('.parcel-interest');
      if (button) { openInterest(button.getAttribute('data-code')); }
    });
    document.getElementById('interest-form').addEventListener('submit', submitInterest);
    B.map().on('zoomend', showMarkers);
    load(initial.toString().replace(/(^|&)lang=[^&]*/, '') !== '');
  });
})();
