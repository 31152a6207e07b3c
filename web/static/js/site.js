/*
 * Site tools (选址工具) of the one-blueprint map and the applicant's proposal page: a candidate site
 * (预选址) drawn with Leaflet.draw or uploaded as a file (POST /api/v1/sites/from-file: GeoJSON, zipped
 * Shapefile, GeoPackage, KML, DXF, in the CRS chosen), screened at once (POST /api/v1/screenings, nothing
 * stored). The conflicts are drawn on the map and listed with their areas (m², 亩, % of the site), the
 * layers they concern are switched on, and the summary is written out in words with each layer's status.
 * A refused site shows the API's problem over the map, in the page's language (Blueprint.problemText).
 * Coordinates are WGS84 lon/lat (GeoJSON), as the API answers them.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;

  function byId(id) { return document.getElementById(id); }


  /** Overlap figures of a conflict as planners read them: m², 亩 and % of the site. */
  function overlapText(overlap) {
    return B.formatArea(overlap.m2 || 0) + ' · ' + B.number(overlap.percent_of_site || 0, 1) + '%';
  }

  /** The screening in words: counts, eligibility, departments, and the layers that could not clear it. */
  function summaryHtml(report) {
    var summary = report.summary;
    var lang = B.config.lang;
    var lines = [];
    var total = summary.blocking_count + summary.needs_review_count + summary.info_count;
    lines.push(total ? t('screen.summary_counts', { blocking: summary.blocking_count,
      review: summary.needs_review_count, info: summary.info_count }) : t('conflict.none'));
    lines.push(summary.eligible_for_code ? t('screen.eligible') : t('screen.not_eligible'));
    if (summary.departments_to_review.length) {
      lines.push(t('screen.departments') + summary.departments_to_review.map(function (entry) {
        return entry[lang];
      }).join('、'));
    }
    if (summary.missing_layer_kinds.length) {
      lines.push(t('screen.missing') + summary.missing_layer_kinds.map(function (kind) {
        return t('kind.' + kind);
      }).join('、'));
    }
    if ((summary.no_data_layer_kinds || []).length) {
      lines.push(t('screen.no_data') + summary.no_data_layer_kinds.map(function (kind) {
        return t('kind.' + kind);
      }).join('、'));
    }
    if ((report.ignored_slivers || []).length) {
      lines.push(t('screen.slivers', { n: report.ignored_slivers.length }));
    }
    var status = summary.blocking_count ? 'danger' : (summary.eligible_for_code ? 'success' : 'warning');
    return '<div class="alert alert-' + status + ' py-2 mb-2" id="screening-words">' +
      '<div class="fw-bold">' + esc(t('screen.site_area')) + B.formatArea(report.site_area.m2) + '</div>' +
      lines.map(function (line) { return '<div>' + esc(line) + '</div>'; }).join('') + '</div>';
  }

  function statusHtml(report) {
    var lang = B.config.lang;
    return '<table class="table table-sm layer-status-table"><thead><tr><th>' + esc(t('conflict.layer')) + '</th><th>' +
      esc(t('screen.status')) + '</th></tr></thead><tbody>' + (report.layer_status || []).map(function (entry) {
        var name = entry.kind_name ? entry.kind_name[lang] : entry.layer_kind;
        return '<tr data-layer-kind="' + esc(entry.layer_kind) + '"><td>' + esc(name) +
          (entry.layer_version ? ' <small class="text-muted">v' + esc(entry.layer_version) + '</small>' : '') +
          '</td><td><span class="layer-status layer-status-' + esc(entry.status) + '">' +
          esc(t('layerstatus.' + entry.status)) + '</span></td></tr>';
      }).join('') + '</tbody></table>';
  }

  function conflictItem(conflict) {
    var lang = B.config.lang;
    return '<li class="conflict-item severity-border-' + esc(conflict.severity) + '">' +
      '<div class="d-flex justify-content-between gap-2"><span class="fw-bold">' + esc(B.conflictLayerName(conflict)) +
      '</span><span class="badge severity-badge severity-' + esc(conflict.severity) + '">' +
      esc(t('severity.' + conflict.severity)) + '</span></div>' +
      '<div class="small">' + esc(conflict.message[lang]) + '</div>' +
      '<div class="small conflict-area">' + B.labelled('conflict.area') + overlapText(conflict.overlap) + '</div>' +
      '<div class="small text-muted">' + B.labelled('conflict.department') + esc(conflict.department_name[lang]) +
      '</div></li>';
  }

  /**
   * Site tools over the page's elements (ids site-*, screening-*). options.parameters() gives the
   * screening's project_type, land_use and industry; options.onSite(site) hears of each accepted site
   * (GeoJSON geometry, WGS84) and options.onScreened(site, report) of each screening.
   */
  function SiteTools(options) {
    this.options = options || {};
    this.site = null;
    this.report = null;
    this.drawn = window[B.config.drawItems];
    this.uploaded = L.featureGroup().addTo(B.map());
    this.results = L.featureGroup().addTo(B.map());
    this.bind();
  }

  SiteTools.prototype.bind = function () {
    var tools = this;
    var map = B.map();
    map.on('draw:created', function (event) {
      if (B.measuring()) { return; }
      tools.drawn.clearLayers();
      tools.drawn.addLayer(event.layer);
      tools.uploaded.clearLayers();
      tools.accept(event.layer.toGeoJSON().geometry);
    });
    map.on('draw:edited', function () { tools.fromDrawing(); });
    map.on('draw:deleted', function () { tools.fromDrawing(); });
    var upload = byId('site-upload');
    if (upload) { upload.addEventListener('click', function () { tools.upload(); }); }
    var file = byId('site-file');
    if (file) { file.setAttribute('accept', B.config.siteFileAccept); }
    var clear = byId('site-clear');
    if (clear) { clear.addEventListener('click', function () { tools.clear(); }); }
    document.querySelectorAll('[data-screen-parameter]').forEach(function (input) {
      input.addEventListener('change', function () { if (tools.site) { tools.screen(); } });
    });
  };

  SiteTools.prototype.fromDrawing = function () {
    var layers = this.drawn.getLayers();
    if (!layers.length) { this.clear(); return; }
    this.accept(layers[0].toGeoJSON().geometry);
  };

  SiteTools.prototype.clear = function () {
    this.site = null;
    this.report = null;
    this.drawn.clearLayers();
    this.uploaded.clearLayers();
    this.results.clearLayers();
    this.showProblem(null);
    ['screening-summary', 'screening-status', 'screening-list'].forEach(function (id) {
      if (byId(id)) { byId(id).innerHTML = ''; }
    });
    if (this.options.onSite) { this.options.onSite(null); }
  };

  /** A problem of the site next to the map: an API error or a text (null hides it); nothing was stored. */
  SiteTools.prototype.showProblem = function (error, prefix) {
    var box = byId('site-alert');
    if (!box) { return; }
    box.classList.toggle('d-none', !error);
    box.innerHTML = error ? '<i class="fa-solid fa-triangle-exclamation"></i> ' + esc(prefix || '') +
      esc(typeof error === 'string' ? error : B.problemText(error)) : '';
  };

  SiteTools.prototype.upload = function () {
    var tools = this;
    var input = byId('site-file');
    if (!input.files.length) { tools.showProblem(t('site.choose_file')); return Promise.resolve(); }
    var form = new FormData();
    form.append('file', input.files[0]);
    var crs = byId('site-crs').value;
    if (crs) { form.append('crs', crs); }
    tools.showProblem(null);
    byId('site-upload').disabled = true;
    return B.api('/sites/from-file', { method: 'POST', body: form }).then(function (answer) {
      tools.drawn.clearLayers();
      tools.uploaded.clearLayers();
      L.geoJSON(answer.site, { style: B.proposalSymbol('site.candidate') }).addTo(tools.uploaded);
      return tools.accept(answer.site);
    }, function (error) {
      tools.showProblem(error, t('site.file_refused'));
    }).then(function () { byId('site-upload').disabled = false; });
  };

  SiteTools.prototype.accept = function (geometry) {
    this.site = geometry;
    if (this.options.onSite) { this.options.onSite(geometry); }
    return this.screen();
  };

  SiteTools.prototype.parameters = function () {
    return this.options.parameters ? this.options.parameters() : {};
  };

  /** Screen the current site; draws and lists what the API found, or shows its problem. */
  SiteTools.prototype.screen = function () {
    var tools = this;
    var site = tools.site;
    tools.showProblem(null);
    var body = L.extend({ site: site, crs: 'EPSG:4326' }, tools.parameters());
    return B.api('/screenings', { method: 'POST', body: body }).then(function (report) {
      if (site !== tools.site) { return; }  // a newer site is being screened
      tools.show(report);
      if (tools.options.onScreened) { tools.options.onScreened(site, report); }
    }, function (error) {
      if (site !== tools.site) { return; }
      tools.report = null;
      tools.results.clearLayers();
      ['screening-summary', 'screening-status', 'screening-list'].forEach(function (id) {
        if (byId(id)) { byId(id).innerHTML = ''; }
      });
      tools.showProblem(error, t('site.refused'));
      if (tools.options.onScreened) { tools.options.onScreened(site, null); }
    });
  };

  /** Draw and list a screening report (also a proposal's stored one). */
  SiteTools.prototype.show = function (report) {
    this.report = report;
    this.results.clearLayers();
    var conflicts = B.conflictLayer({ screening: report }).addTo(this.results);
    var outline = L.geoJSON(this.site, { style: B.proposalSymbol('site.candidate'), interactive: false })
      .addTo(this.results);
    B.map().fitBounds(outline.getBounds(), { maxZoom: 17, padding: [30, 30] });
    conflicts.bringToFront();
    switchOnLayers(report);
    byId('screening-summary').innerHTML = summaryHtml(report);
    byId('screening-status').innerHTML = statusHtml(report);
    byId('screening-list').innerHTML = report.conflicts.map(conflictItem).join('');  // none: the summary says so
  };

  /** Switch on every planning layer a conflict concerns (its toggle too), so the overlap has its context. */
  function switchOnLayers(report) {
    var concerned = {};
    report.conflicts.forEach(function (conflict) { if (conflict.layer_id) { concerned[conflict.layer_id] = true; } });
    B.config.layers.forEach(function (entry) {
      if (!concerned[entry.id]) { return; }
      var box = document.querySelector('[data-layer-toggle="' + entry.variable + '"]');
      if (box && !box.checked) { box.checked = true; }
      if (!B.map().hasLayer(window[entry.variable])) { B.map().addLayer(window[entry.variable]); }
    });
  }

  B.SiteTools = SiteTools;
  B.overlapText = overlapText;
})();
