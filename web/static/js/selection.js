/*
 * 智能选址 (site selection). The requirements of the form and the search area drawn on the map (Leaflet.draw)
 * are sent to POST /api/v1/site-selections; the candidates come back best first and are drawn on the map and
 * listed with their area, the departments that must review them and the reasons for their rank. A candidate's
 * full screening report opens in its list entry; "start a proposal" hands its geometry and the project's
 * parameters to the proposal form (/proposals/new?from=map, read by static/js/apply.js). With no candidate the
 * reason is shown; a refused request shows the API's problem, in the page's language.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;
  var CANDIDATE_KEY = 'blueprint.candidate';

  function byId(id) { return document.getElementById(id); }

  var map = B.map();
  var drawn = window[B.config.drawItems];
  var shown = L.featureGroup().addTo(map);
  var searchArea = null;
  var lastParameters = null;
  var layersById = {};

  function setArea(geometry) {
    searchArea = geometry;
    byId('search-area-state').textContent = geometry ? t('sel.area_drawn') : t('sel.no_area');
  }

  map.on('draw:created', function (event) {
    if (B.measuring && B.measuring()) { return; }
    drawn.clearLayers();
    drawn.addLayer(event.layer);
    setArea(event.layer.toGeoJSON().geometry);
  });
  map.on('draw:edited draw:deleted', function () {
    var layers = drawn.getLayers();
    setArea(layers.length ? layers[0].toGeoJSON().geometry : null);
  });
  byId('search-area-clear').addEventListener('click', function () { drawn.clearLayers(); setArea(null); });

  function body() {
    var value = function (name) { return byId('field-' + name).value.trim(); };
    var districts = Array.prototype.slice.call(document.querySelectorAll('input[name="districts"]:checked'))
      .map(function (box) { return box.value; });
    var request = {
      project_type: value('project_type'), land_use: value('land_use'), industry: value('industry').toUpperCase(),
      area_min: Number(value('area_min')), area_max: Number(value('area_max')), area_unit: value('area_unit'),
      districts: districts, inside_urban_development_boundary: byId('field-inside_udb').checked, limit: 10
    };
    if (searchArea) { request.search_area = searchArea; request.crs = 'EPSG:4326'; }
    return request;
  }

  function message(kind, html) {
    byId('selection-message').innerHTML = html ? '<div class="alert alert-' + kind + ' py-2 mb-0">' + html + '</div>' : '';
  }

  function reasonItem(reason) {
    var lang = B.config.lang;
    var who = reason.department_name ? esc(reason.department_name[lang]) + ': ' : '';
    return '<li class="conflict-item severity-border-' + esc(reason.severity) + '"><span class="badge severity-badge severity-' +
      esc(reason.severity) + '">' + esc(t('severity.' + reason.severity)) + '</span> ' + who + esc(reason.message[lang]) +
      ' <span class="text-muted">(' + B.number(reason.percent_of_site, 1) + '%)</span></li>';
  }

  function reportHtml(report) {
    var lang = B.config.lang;
    var status = (report.layer_status || []).map(function (entry) {
      var name = entry.kind_name ? entry.kind_name[lang] : entry.layer_kind;
      return '<tr><td>' + esc(name) + (entry.layer_version ? ' <small class="text-muted">v' + esc(entry.layer_version) +
        '</small>' : '') + '</td><td>' + esc(t('layerstatus.' + entry.status)) + '</td></tr>';
    }).join('');
    var summary = report.summary;
    return '<div class="small">' + esc(t('screen.summary_counts', { blocking: summary.blocking_count,
      review: summary.needs_review_count, info: summary.info_count })) + '</div>' +
      '<table class="table table-sm layer-status-table mb-1"><thead><tr><th>' + esc(t('conflict.layer')) +
      '</th><th>' + esc(t('screen.status')) + '</th></tr></thead><tbody>' + status + '</tbody></table>';
  }

  function startProposal(candidate) {
    var parameters = { project_type: lastParameters.project_type, land_use: lastParameters.land_use,
      industry: lastParameters.industry };
    sessionStorage.setItem(CANDIDATE_KEY, JSON.stringify({ site: candidate.geometry, parameters: parameters }));
    window.location.assign('/proposals/new?lang=' + B.config.lang + '&from=map');
  }

  function focus(candidate) {
    var layer = layersById[candidate.id];
    if (layer) { map.fitBounds(layer.getBounds(), { maxZoom: 17 }); }
    document.querySelectorAll('.candidate-item').forEach(function (item) {
      item.classList.toggle('active', item.getAttribute('data-candidate') === candidate.id);
    });
  }

  function candidateItem(candidate) {
    var lang = B.config.lang;
    var li = document.createElement('li');
    li.className = 'candidate-item border rounded p-2 mb-2';
    li.setAttribute('data-candidate', candidate.id);
    var departments = candidate.report.summary.departments_to_review.map(function (d) { return d[lang]; }).join('、');
    var source = candidate.source === 'investment_parcel'
      ? t('sel.source.parcel', { code: candidate.parcel.parcel_code || '' })
      : t('sel.source.zones', { n: candidate.zone_count });
    li.innerHTML = '<div class="d-flex justify-content-between gap-2"><span class="fw-bold">' +
      esc(t('sel.rank', { n: candidate.rank })) + '</span><span class="small text-muted">' + esc(source) + '</span></div>' +
      '<div class="small">' + B.formatArea(candidate.area.m2) + '</div>' +
      '<div class="small">' + B.labelled('sel.departments') + esc(departments || t('sel.no_department')) + '</div>' +
      '<ul class="list-unstyled mb-1 small">' + candidate.reasons.map(reasonItem).join('') + '</ul>' +
      '<div class="d-flex flex-wrap gap-1"><button type="button" class="btn btn-sm btn-outline-secondary candidate-show">' +
      esc(t('sel.show')) + '</button><button type="button" class="btn btn-sm btn-outline-secondary candidate-report" aria-expanded="false">' +
      esc(t('sel.report')) + '</button><button type="button" class="btn btn-sm btn-primary candidate-propose">' +
      esc(t('sel.propose')) + '</button></div><div class="candidate-report-body d-none mt-1"></div>';
    li.querySelector('.candidate-show').addEventListener('click', function () { focus(candidate); });
    li.querySelector('.candidate-propose').addEventListener('click', function () { startProposal(candidate); });
    var toggle = li.querySelector('.candidate-report');
    toggle.addEventListener('click', function () {
      var box = li.querySelector('.candidate-report-body');
      var open = box.classList.toggle('d-none') === false;
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open && !box.innerHTML) { box.innerHTML = reportHtml(candidate.report); }
      focus(candidate);
    });
    return li;
  }

  function showResult(result) {
    shown.clearLayers();
    layersById = {};
    var list = byId('candidate-list');
    list.innerHTML = '';
    byId('candidate-count').textContent = t('sel.count', { n: result.candidates.length });
    result.candidates.forEach(function (candidate) {
      var layer = L.geoJSON(candidate.geometry, { style: { color: '#1565c0', weight: 2, fillOpacity: 0.35 } });
      layer.bindTooltip(t('sel.rank', { n: candidate.rank }));
      layer.on('click', function () {
        focus(candidate);
        var item = list.querySelector('[data-candidate="' + candidate.id + '"]');
        if (item) { item.scrollIntoView({ block: 'nearest' }); }
      });
      layer.addTo(shown);
      layersById[candidate.id] = layer;
      list.appendChild(candidateItem(candidate));
    });
    if (result.candidates.length) {
      map.fitBounds(shown.getBounds(), { maxZoom: 16 });
      message('success', esc(t('sel.found', { n: result.candidates.length, total: result.considered.in_range })));
    } else {
      message('warning', esc(t('sel.none')) + ' ' + esc(result.reason ? result.reason[B.config.lang] : ''));
    }
    byId('selection-versions').textContent = t('sel.versions', {
      rules: result.rule_set.version,
      layers: result.layer_versions.map(function (v) { return t('kind.' + v.kind) + ' v' + v.version; }).join('、')
    });
  }

  byId('selection-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var request = body();
    lastParameters = request;
    var run = byId('selection-run');
    run.disabled = true;
    message('secondary', esc(t('sel.searching')));
    B.api('/site-selections', { method: 'POST', body: request }).then(showResult, function (error) {
      message('danger', esc(B.problemText(error)));
    }).then(function () { run.disabled = false; });
  });
})();
