/*
 * One Blueprint (一张蓝图) map pages: the shared client.
 *
 * Loaded in <head> after Leaflet and before folium's map script. It reads the page configuration
 * (window.BLUEPRINT_CONFIG, written by web/pages.py) and offers, as window.Blueprint:
 *   - labels (t), the API client (api; the session is an HttpOnly cookie no script reads, see api/auth.py),
 *     who is logged in (session, from the page), problems in the page's language (problemText);
 *   - Leaflet.draw's toolbar labels in the page's language (L.drawLocal);
 *   - planning layers in one composite vector tile per view tile (compositeTiles), each shown or hidden on
 *     its own (planningLayer), styled from web/legend.py (style), a loading status, and click-to-identify
 *     over every visible layer, waiting for tiles still on their way (the words: feature_words.js; the
 *     layer panel: layer_panel.js);
 *   - proposal overlays (sites by screening result, conflict overlaps with popups), and popups sized to fit
 *     the map beside its controls on a phone (popupFit);
 *   - the GCJ-02 basemap layer (L.tileLayer.gcj02), shifted onto WGS84 with the formula of gis/gcj02.py.
 * Coordinates are WGS84 lon/lat throughout (GeoJSON order), as the API serves them.
 */
(function () {
  'use strict';

  var config = window.BLUEPRINT_CONFIG;
  var M2_PER_MU = 10000 / 15;

  // Pages without a map (login, logout) load no Leaflet; everything about maps waits for one.
  var hasLeaflet = !!window.L;
  // Leaflet 1.8 dropped DomEvent.fakeStop, which Leaflet.VectorGrid 1.3 still calls on canvas clicks.
  if (hasLeaflet && !L.DomEvent.fakeStop) { L.DomEvent.fakeStop = L.DomEvent.stopPropagation; }

  function t(key, vars) {
    var text = config.labels[key];
    if (text === undefined) { return key; }
    Object.keys(vars || {}).forEach(function (name) { text = text.replace('{' + name + '}', vars[name]); });
    return text;
  }

  function escapeHtml(value) {
    return String(value === null || value === undefined ? '' : value)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  function number(value, digits) {
    return Number(value).toLocaleString(config.lang === 'en' ? 'en-GB' : 'zh-CN',
      { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }

  /** "Label: " with the colon of the page's language, as HTML. */
  function labelled(key) { return escapeHtml(t(key)) + (config.lang === 'zh' ? '：' : ': '); }

  /** An area in m² as planners read it: m² and 亩 (and ha when large). */
  function formatArea(m2) {
    var text = number(m2, 0) + ' ' + t('area.m2') + ' · ' + number(m2 / M2_PER_MU, 2) + ' ' + t('area.mu');
    return m2 >= 10000 ? text + ' · ' + number(m2 / 10000, 2) + ' ' + t('area.ha') : text;
  }

  // ---- API client ---------------------------------------------------------------------------------

  /** An error answered by the API: status and its RFC 9457 problem body. */
  function ApiError(status, problem) {
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem || {};
    this.message = this.problem.detail || this.problem.title || ('HTTP ' + status);
  }
  ApiError.prototype = Object.create(Error.prototype);

  /** A call of the JSON API; the browser sends the session cookie itself (same origin). */
  function api(path, options) {
    options = options || {};
    // The API answers problems in the language asked for: the page's.
    var headers = { 'Accept': 'application/json', 'Accept-Language': config.lang };
    var body = options.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(body);
    }
    return fetch(config.api + path, {
      method: options.method || 'GET', headers: headers, body: body, credentials: 'same-origin'
    }).then(function (response) {
      return response.text().then(function (text) {
        var answer = null;
        try { answer = text ? JSON.parse(text) : null; } catch (ignored) { answer = null; }
        if (response.ok) { return answer; }
        if (response.status === 401 && session.user) { session.forget(); }
        throw new ApiError(response.status, answer);
      });
    });
  }

  /**
   * A problem the API answered, for a person: the API's own detail, which it wrote in the page's language
   * (api() asks for it); a failure without a problem body says only that the request failed.
   */
  function problemText(error) {
    var problem = (error && error.problem) || {};
    return problem.detail || problem.title ||
      t('problem.unknown') + (error && error.status ? ' (HTTP ' + error.status + ')' : '');
  }

  // ---- session: who is logged in (the page says), login, logout ----------------------------------

  var session = {
    user: config.user || null,
    listeners: [],
    onChange: function (listener) { this.listeners.push(listener); },
    notify: function () {
      var user = this.user;
      this.listeners.forEach(function (listener) { listener(user); });
    },
    /** Log in through the session cookie; resolves with the account. */
    login: function (username, secret) {
      return api('/auth/session', { method: 'POST', body: { username: username, secret: secret } })
        .then(function (user) { session.user = user; session.notify(); return user; });
    },
    /** The account of the cookie, asked of the API (the page already knows it when it is rendered). */
    refresh: function () {
      return api('/me').then(function (user) { session.user = user; session.notify(); return user; },
        function () { session.forget(); return null; });
    },
    /** The session ended elsewhere (401): the page shows the public view. */
    forget: function () {
      if (session.user) { session.user = null; session.notify(); }
    },
    /** End the session on the server (the token stops working), then go to the login page. */
    logout: function () {
      var done = function () { window.location.assign('/login?lang=' + config.lang); };
      return api('/auth/logout', { method: 'POST' }).then(done, done);
    }
  };

  function initLogout() {
    document.querySelectorAll('[data-logout]').forEach(function (button) {
      button.addEventListener('click', function () { button.disabled = true; session.logout(); });
    });
  }

  // ---- Leaflet.draw toolbar in the page's language ---------------------------------------------

  /** Leaflet.draw reads L.drawLocal when a toolbar is made, i.e. in the map script after this one. */
  function localiseDraw() {
    if (!hasLeaflet || !L.drawLocal) { return; }
    var draw = L.drawLocal.draw;
    var edit = L.drawLocal.edit;
    draw.toolbar.actions = { title: t('draw.cancel_title'), text: t('draw.cancel') };
    draw.toolbar.finish = { title: t('draw.finish_title'), text: t('draw.finish') };
    draw.toolbar.undo = { title: t('draw.undo_title'), text: t('draw.undo') };
    draw.toolbar.buttons = { polyline: t('draw.polyline'), polygon: t('draw.polygon'), rectangle: t('draw.rectangle'),
      circle: t('draw.circle'), marker: t('draw.marker'), circlemarker: t('draw.marker') };
    draw.handlers.polygon.tooltip = { start: t('draw.polygon_start'), cont: t('draw.polygon_cont'), end: t('draw.polygon_end') };
    draw.handlers.polyline.error = t('draw.intersect');
    draw.handlers.polyline.tooltip = { start: t('draw.polyline_start'), cont: t('draw.polyline_cont'), end: t('draw.polyline_end') };
    draw.handlers.rectangle.tooltip = { start: t('draw.rectangle_start') };
    draw.handlers.simpleshape.tooltip = { end: t('draw.simpleshape_end') };
    draw.handlers.marker.tooltip = { start: t('draw.marker_start') };
    edit.toolbar.actions = { save: { title: t('draw.save_title'), text: t('draw.save') },
      cancel: { title: t('draw.cancel_edit_title'), text: t('draw.cancel') },
      clearAll: { title: t('draw.clear_title'), text: t('draw.clear') } };
    edit.toolbar.buttons = { edit: t('draw.edit'), editDisabled: t('draw.nothing'), remove: t('draw.remove'),
      removeDisabled: t('draw.nothing') };
    edit.handlers.edit.tooltip = { text: t('draw.edit_text'), subtext: t('draw.edit_subtext') };
    edit.handlers.remove.tooltip = { text: t('draw.remove_text') };
  }
  localiseDraw();

  /** Leaflet's own controls, made by the map script after this one: titles in the page's language, and a
   * scale bar in metres and kilometres only (Chinese planning uses no miles or feet). */
  function localiseControls() {
    if (!hasLeaflet) { return; }
    L.Control.Zoom.prototype.options.zoomInTitle = t('map.zoom_in');
    L.Control.Zoom.prototype.options.zoomOutTitle = t('map.zoom_out');
    L.Control.Scale.prototype.options.imperial = false;
    L.Control.Scale.prototype.options.metric = true;
    L.Control.Attribution.prototype.options.prefix = '<a href="https://leafletjs.com" title="' +
      escapeHtml(t('map.leaflet')) + '">Leaflet</a>';
  }
  localiseControls();

  // ---- planning layers: vector tiles, styles, toggles, identify -----------------------------------

  function map() { return window[config.map]; }

  /** Leaflet path options of a feature of a layer kind at a zoom, from web/legend.py's symbols. */
  function style(kind, properties, zoom) {
    var spec = config.styles.layers[kind];
    if (!spec) { return { color: '#666', weight: 1, fillOpacity: 0.2, fill: true }; }
    var symbol = spec.base;
    if (spec.by && properties) {
      var value = properties[spec.by];
      if (value !== undefined && value !== null) {
        value = String(value);
        if (spec.prefix) { value = value.slice(0, spec.prefix); }
        symbol = spec.variants[value] || symbol;
      }
    }
    if (spec.outlineFromZoom && zoom < spec.outlineFromZoom) { symbol = L.extend({}, symbol, { stroke: false }); }
    return symbol;
  }

  // ---- planning tiles: every layer in one composite vector tile; loading state --------------------

  var DECODED_TILES_KEPT = 160;  // about four views of tiles: enough to switch layers without asking again
  var tileGrids = [];

  /**
   * Planning layers in one composite vector tile per view tile (canvas), one MVT layer per kind, drawn in
   * the tile's order. Each stored layer is shown by its planningLayer; the decoded tiles are kept, so
   * switching a layer on or off redraws them without a request.
   */
  function compositeTiles(url, zIndex) {
    var grid = L.vectorGrid.protobuf(url, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: {},
      interactive: true,  // gives every feature its hit test; clicks themselves go to the map (CSS)
      getFeatureId: function (feature) { return feature.id; },
      maxZoom: 22,
      zIndex: zIndex
    });
    var decoded = {};
    var order = [];
    var fetchTile = grid._getVectorTilePromise;
    grid._getVectorTilePromise = function (coords) {
      var key = this._tileCoordsToKey(coords);
      if (!decoded[key]) {
        decoded[key] = fetchTile.call(this, coords);
        decoded[key].catch(function () { delete decoded[key]; });
        order.push(key);
        if (order.length > DECODED_TILES_KEPT) { delete decoded[order.shift()]; }
      }
      return decoded[key];
    };
    grid.layers = {};  // layer id -> its planningLayer
    grid.drawn = false;
    grid.on('tileload', function () { grid.drawn = true; });
    grid.redrawSoon = function () {
      if (!grid.drawn || grid.redrawPending) { return; }  // tiles not drawn yet read the layers as they are then
      grid.redrawPending = true;
      L.Util.requestAnimFrame(function () { grid.redrawPending = false; grid.redraw(); });
    };
    watchLoading(grid);
    return grid;
  }

  /**
   * One stored planning layer of a composite grid, as a Leaflet layer: on the map, its features are drawn; off
   * it, hidden (nothing is fetched either way: the composite tile has them). The layers of a kind share its
   * MVT layer, each feature naming its layer_id. setOpacity(0..1) fades the layer.
   */
  function planningLayer(grid, layerId, kind) {
    var Layer = L.Layer.extend({
      onAdd: function () { this.visible = true; grid.redrawSoon(); },
      onRemove: function () { this.visible = false; grid.redrawSoon(); },
      setOpacity: function (opacity) { this.opacity = opacity; grid.redrawSoon(); return this; }
    });
    var layer = new Layer();
    layer.grid = grid;
    layer.layerId = layerId;
    layer.kind = kind;
    layer.visible = false;
    layer.opacity = 1;
    grid.layers[layerId] = layer;
    grid.options.vectorTileLayerStyles[kind] = function (properties, zoom) {
      var owner = grid.layers[properties.layer_id];
      if (!owner || !owner.visible) { return []; }
      var symbol = style(kind, properties, zoom);
      return owner.opacity === 1 ? symbol : L.extend({}, symbol, {
        opacity: (symbol.opacity === undefined ? 1 : symbol.opacity) * owner.opacity,
        fillOpacity: (symbol.fillOpacity || 0) * owner.opacity });
    };
    return layer;
  }

  function tilesLoading() {
    return tileGrids.some(function (grid) { return grid._map && grid.isLoading(); });
  }

  var loadedListeners = [];

  /** Call back once no planning tile is on its way (at once when none is). */
  function whenTilesLoaded(callback) {
    if (!tilesLoading()) { callback(); return; }
    loadedListeners.push(callback);
  }

  /** 规划图层加载中: a status line over the map while any planning tile is on its way. */
  function watchLoading(grid) {
    tileGrids.push(grid);
    grid.on('loading load', function () {
      var status = document.getElementById('tiles-status');
      if (!status && map()) {
        status = L.DomUtil.create('div', 'tiles-status', map().getContainer());
        status.id = 'tiles-status';
        status.setAttribute('role', 'status');
        status.setAttribute('aria-live', 'polite');
        status.textContent = t('tiles.loading');
      }
      var loading = tilesLoading();
      if (status) { status.hidden = !loading; }
      if (!loading) { loadedListeners.splice(0).forEach(function (callback) { callback(); }); }
    });
  }

  function layerEntries() {
    return config.layers.map(function (entry) { return { entry: entry, layer: window[entry.variable] }; });
  }

  /** Features of a planning layer under a point, from the tiles already drawn (no request). */
  function featuresAt(layer, latlng) {
    var grid = layer.grid;
    if (!layer._map || !grid || !grid._map || grid._tileZoom === undefined || !grid._vectorTiles) { return []; }
    var zoom = grid._tileZoom;
    var size = grid.getTileSize();
    var pixel = map().project(latlng, zoom);
    var coords = pixel.unscaleBy(size).floor();
    var renderer = grid._vectorTiles[coords.x + ':' + coords.y + ':' + zoom];
    if (!renderer || !renderer._features) { return []; }
    var point = pixel.subtract(coords.scaleBy(size));
    var hits = [];
    Object.keys(renderer._features).forEach(function (id) {
      var feature = renderer._features[id].feature;
      if (feature.properties.layer_id === layer.layerId && feature._pxBounds && feature._containsPoint(point)) {
        var properties = L.extend({}, feature.properties);
        delete properties.layer_id;  // which stored layer: the entry says it
        hits.push(properties);
      }
    });
    return hits;
  }

  var drawing = false;

  function initIdentify() {
    map().on('draw:drawstart', function () { drawing = true; });
    map().on('draw:drawstop', function () { drawing = false; });
    map().on('click', function (event) {
      if (drawing) { return; }
      if (tilesLoading()) {  // the features under the click may not be drawn yet: say so, answer once they are
        var asked = L.popup({ className: 'identify-popup' }).setLatLng(event.latlng)
          .setContent('<div class="text-muted">' + escapeHtml(t('identify.loading')) + '</div>').openOn(map());
        whenTilesLoaded(function () { if (asked.isOpen()) { identify(event); } });
        return;
      }
      identify(event);
    });
    function identify(event) {
      var html = '';
      layerEntries().forEach(function (item) {
        featuresAt(item.layer, event.latlng).forEach(function (properties) {
          html += window.Blueprint.featureWords.describe(item.entry, properties);  // feature_words.js
        });
      });
      var summary = html && map().getZoom() < config.detailZoom ?
        '<div class="identify-hint">' + escapeHtml(t('identify.zoom_for_details', { zoom: config.detailZoom })) + '</div>' : '';
      L.popup(L.extend(popupFit(360, 360), { className: 'identify-popup' }))
        .setLatLng(event.latlng)
        .setContent('<div class="identify-title">' + escapeHtml(t('identify.title')) + '</div>' +
          (html || '<div class="text-muted">' + escapeHtml(t('identify.none')) + '</div>') + summary)
        .openOn(map());
    }
  }

  // ---- proposals: sites and conflict overlaps ----------------------------------------------------

  /** The site symbol key of a proposal (list entry or detail): approved, blocking, needs_review, clear. */
  function siteStatus(proposal) {
    if (proposal.state === 'approved') { return 'approved'; }
    var counts = proposal.conflicts || (proposal.screening && proposal.screening.summary) || {};
    if (counts.blocking_count) { return 'blocking'; }
    if (counts.needs_review_count) { return 'needs_review'; }
    return 'clear';
  }

  function proposalSymbol(key) { return config.styles.proposals[key]; }

  /** A stored name in the page's language: one half of a name written in both ("生态保护红线 Ecological red
   * line"), any other name as it is (the twin of gis.messages.one_language). */
  function oneLanguage(name) {
    var match = /^([^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+([A-Za-z].*)$/.exec(String(name).trim());
    if (!match) { return name; }
    return (config.lang === 'zh' ? match[1] : match[2]).trim();
  }

  /** What a conflict overlaps; the public and applicants are not told which other project it is. A planning
   * layer's stored name is shown in the page's language; another project's name is shown as it is. */
  function conflictLayerName(conflict) {
    if (conflict.layer_name === null) { return t('conflict.other_project'); }
    return conflict.layer_kind === 'project_site' ? conflict.layer_name : oneLanguage(conflict.layer_name);
  }

  function conflictPopup(conflict) {
    var lang = config.lang;
    var overlap = conflict.overlap || {};
    return '<div class="conflict-popup"><div class="conflict-severity severity-' + escapeHtml(conflict.severity) + '">' +
      escapeHtml(t('severity.' + conflict.severity)) + '</div>' +
      '<div class="conflict-message">' + escapeHtml(conflict.message[lang]) + '</div><table class="table table-sm">' +
      '<tr><th>' + escapeHtml(t('conflict.layer')) + '</th><td>' + escapeHtml(conflictLayerName(conflict)) +
      (conflict.layer_version ? ' (v' + escapeHtml(conflict.layer_version) + ')' : '') + '</td></tr>' +
      '<tr><th>' + escapeHtml(t('conflict.rule')) + '</th><td><code>' + escapeHtml(conflict.rule_id) + '</code></td></tr>' +
      '<tr><th>' + escapeHtml(t('conflict.department')) + '</th><td>' + escapeHtml(conflict.department_name[lang]) + '</td></tr>' +
      '<tr><th>' + escapeHtml(t('conflict.area')) + '</th><td>' + formatArea(overlap.m2 || 0) +
      (overlap.percent_of_site !== undefined ? ' (' + number(overlap.percent_of_site, 1) + '%)' : '') + '</td></tr>' +
      (conflict.follow_up ? '<tr><th>' + escapeHtml(t('conflict.follow_up')) + '</th><td>' +
        escapeHtml(conflict.follow_up[lang]) + '</td></tr>' : '') +
      '</table></div>';
  }

  var SEVERITY_RANK = { info: 0, needs_review: 1, blocking: 2 };

  /** A popup's size and panning: at most ``widest`` px wide (and ``tallest`` px high, scrolling beyond), and on
   *  a phone small enough to open on the map beside its left-hand controls and below the basemap notice at its
   *  top right (both drawn above popups), not under them. */
  function popupFit(widest, tallest) {
    var size = map().getSize();
    // content width + the popup's own margins (about 46 px) between the controls' 55 px and Leaflet's 5 px
    var fit = { maxWidth: Math.min(widest, size.x - 110), autoPanPaddingTopLeft: [55, 40] };
    if (tallest) { fit.maxHeight = Math.min(tallest, size.y - 110); }
    return fit;
  }

  /**
   * The conflict overlaps of a proposal's current screening, each with its popup; group.byConflict[i] is
   * the layer of conflict i. Drawn from the least to the most severe, so a blocking overlap is on top.
   */
  function conflictLayer(detail) {
    var group = L.featureGroup();
    var conflicts = (detail.screening ? detail.screening.conflicts : detail.current_conflicts) || [];
    group.byConflict = conflicts.map(function (conflict) {
      return conflict.geometry ? L.geoJSON(conflict.geometry, { style: proposalSymbol('conflict.' + conflict.severity) })
        .bindPopup(conflictPopup(conflict), popupFit(380)) : null;
    });
    conflicts.map(function (conflict, index) { return index; })
      .sort(function (a, b) { return SEVERITY_RANK[conflicts[a].severity] - SEVERITY_RANK[conflicts[b].severity]; })
      .forEach(function (index) { if (group.byConflict[index]) { group.byConflict[index].addTo(group); } });
    return group;
  }

  function proposalSummary(proposal) {
    var counts = proposal.conflicts || (proposal.screening && proposal.screening.summary) || {};
    return '<div class="proposal-popup"><div class="fw-bold">' + escapeHtml(proposal.name) + '</div>' +
      '<div>' + escapeHtml(t('proposal.state')) + ': ' + escapeHtml(t('state.' + proposal.state)) +
      (proposal.project_code ? ' · <code>' + escapeHtml(proposal.project_code) + '</code>' : '') + '</div>' +
      '<div>' + conflictBadges(counts) + '</div>' +
      '<a href="/proposals/' + encodeURIComponent(proposal.id) + '/review?lang=' + config.lang + '">' +
      escapeHtml(t('proposal.review_link')) + '</a></div>';
  }

  function conflictBadges(counts) {
    return ['blocking', 'needs_review', 'info'].map(function (severity) {
      var count = counts[severity + '_count'] || 0;
      return '<span class="badge severity-badge severity-' + severity + (count ? '' : ' zero') + '" title="' +
        escapeHtml(t('severity.' + severity)) + '">' + count + '</span>';
    }).join(' ');
  }

  /**
   * A proposal's current site (symbol by screening result) over its conflict overlaps; with
   * options.withEarlier its earlier sites dashed; with options.marker a dot that finds the site when the
   * map is zoomed out (hidden from zoom 14 on, see watchSiteMarkers). ``detail`` is a proposal's detail (its
   * revisions and screening) or an item of the proposal list (its current site and conflicts).
   */
  function proposalLayer(detail, options) {
    options = options || {};
    var group = L.featureGroup();
    group.conflicts = conflictLayer(detail).addTo(group);
    (detail.revisions || [detail.current_site].filter(Boolean)).forEach(function (revision) {
      if (!revision.is_current && !options.withEarlier) { return; }
      var key = revision.is_current ? 'site.' + siteStatus(detail) : 'site.earlier';
      var layer = L.geoJSON(revision.geometry, { style: proposalSymbol(key) });
      layer.bindTooltip(escapeHtml(detail.name) + ' · ' + escapeHtml(t('proposal.revision', { n: revision.revision })) +
        ' · ' + formatArea(revision.area_m2), { sticky: true });
      if (revision.is_current) {
        layer.bindPopup(proposalSummary(detail));
        group.site = layer;
      }
      layer.addTo(group);
    });
    if (options.marker && group.site) {
      var key = 'site.' + siteStatus(detail);
      L.circleMarker(group.site.getBounds().getCenter(), L.extend({}, proposalSymbol(key), {
        radius: 6, weight: 2, color: '#fff', fillColor: proposalSymbol(key).color, fillOpacity: 0.95,
        dashArray: null, className: 'site-marker'
      })).bindPopup(proposalSummary(detail)).addTo(group);
    }
    return group;
  }

  var SITE_MARKER_MAX_ZOOM = 13;

  /** Show the site dots only while the map is zoomed out far enough for sites to be specks. */
  function watchSiteMarkers() {
    var container = map().getContainer();
    function update() { container.classList.toggle('sites-visible', map().getZoom() >= SITE_MARKER_MAX_ZOOM + 1); }
    map().on('zoomend', update);
    update();
  }

  /** Make a proposal's list row zoom the map to its site's ``layer`` (click, Enter); a click on a link in the
   *  row follows the link, and one on a fold's summary unfolds it, without moving the map. ``then``, if given,
   *  runs after the zoom. */
  function zoomsToSite(row, layer, then) {
    window.Blueprint.activatable(row, function (event) {
      if (event.target.closest('a, summary')) { return; }
      map().fitBounds(layer.getBounds(), { maxZoom: 16 });
      if (then) { then(); }
    });
  }

  /** The request fields a problem names, as dotted paths: the service's ``field``, or each validation error's
   *  location without its part of the request (``body.holidays.0.date`` → ``holidays.0.date``). */
  function problemFields(error) {
    var problem = (error && error.problem) || {};
    if (problem.field) { return [problem.field]; }
    return (problem.errors || []).map(function (e) {
      return String(e.location || '').replace(/^(body|path|query)\.?/, '');
    }).filter(Boolean);
  }

  function showMessage(element, kind, html) {
    element.innerHTML = '<div class="alert alert-' + kind + ' py-2 mb-2">' + html + '</div>';
  }

  // ---- measure tool: distances and areas on the map -------------------------------------------

  var measure = { active: false };

  /** Whether a measurement is being drawn (its draw:created is no site and no marking). */
  function measuring() { return measure.active; }

  function formatDistance(m) {
    return m >= 1000 ? number(m / 1000, 3) + ' ' + t('measure.km') + ' (' + number(m, 0) + ' ' + t('measure.m') + ')'
      : number(m, 1) + ' ' + t('measure.m');
  }

  /** An area in m², 亩 and 公顷, all three always (what the measure tool answers). */
  function formatAreaFull(m2) {
    return number(m2, 0) + ' ' + t('area.m2') + ' · ' + number(m2 / M2_PER_MU, 2) + ' ' + t('area.mu') + ' · ' +
      number(m2 / 10000, 4) + ' ' + t('area.ha');
  }

  /**
   * 测量: a control that measures a line (metres, great-circle) or a polygon (geodesic m², 亩, 公顷, as
   * Leaflet.draw's L.GeometryUtil computes it) drawn on the map. Only on the pages with site tools.
   */
  function addMeasureTool() {
    var handlers = {
      distance: new L.Draw.Polyline(map(), { metric: true, feet: false, showLength: true,
        shapeOptions: { color: '#6a1b9a', weight: 3, dashArray: '4 4' } }),
      area: new L.Draw.Polygon(map(), { metric: true, showArea: true, allowIntersection: false,
        shapeOptions: { color: '#6a1b9a', weight: 2, dashArray: '4 4', fillOpacity: 0.1 } })
    };
    var group = L.featureGroup().addTo(map());
    var Control = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var bar = L.DomUtil.create('div', 'leaflet-bar measure-control');
        [['distance', 'fa-ruler', 'measure.distance'], ['area', 'fa-ruler-combined', 'measure.area'],
          ['clear', 'fa-eraser', 'measure.clear']].forEach(function (spec) {
          var button = L.DomUtil.create('a', 'measure-' + spec[0], bar);
          button.href = '#';
          button.title = t(spec[2]);
          button.setAttribute('role', 'button');
          button.setAttribute('aria-label', t(spec[2]));
          button.innerHTML = '<i class="fa-solid ' + spec[1] + '"></i>';
          L.DomEvent.on(button, 'click', function (event) {
            L.DomEvent.stop(event);
            if (spec[0] === 'clear') { group.clearLayers(); return; }
            measure.active = true;
            handlers[spec[0]].enable();
          });
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Control().addTo(map());
    map().on('draw:created', function (event) {
      if (!measure.active) { return; }
      var layer = event.layer;
      var drawn = window[config.drawItems];
      if (drawn) { drawn.removeLayer(layer); }  // folium's Draw keeps every drawing; a measurement is neither
      var text;
      if (event.layerType === 'polyline') {
        var points = layer.getLatLngs();
        var metres = 0;
        for (var i = 1; i < points.length; i++) { metres += points[i - 1].distanceTo(points[i]); }
        text = t('measure.distance') + (config.lang === 'zh' ? '：' : ': ') + formatDistance(metres);
      } else {
        text = t('measure.area') + (config.lang === 'zh' ? '：' : ': ') + formatAreaFull(L.GeometryUtil.geodesicArea(layer.getLatLngs()[0]));
      }
      layer.addTo(group).bindTooltip(escapeHtml(text), { permanent: true, className: 'measure-result' }).openTooltip();
    });
    map().on('draw:drawstop', function () { measure.active = false; });
  }

  // ---- GCJ-02 basemap ---------------------------------------------------------------------------

  var GCJ_A = 6378245.0;  // Krasovsky 1940 semi-major axis, metres (as gis/gcj02.py)
  var GCJ_EE = 0.00669342162296594323;

  /** WGS84 lon/lat (degrees) to GCJ-02, the published formula of gis/gcj02.py. */
  function wgs84ToGcj02(lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) { return [lon, lat]; }
    var x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0 +
      (20.0 * Math.sin(y * pi) + 40.0 * Math.sin(y / 3.0 * pi)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * pi) + 320.0 * Math.sin(y * pi / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0 +
      (20.0 * Math.sin(x * pi) + 40.0 * Math.sin(x / 3.0 * pi)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * pi) + 300.0 * Math.sin(x / 30.0 * pi)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * pi;
    var magic = 1.0 - GCJ_EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtMagic) * pi);
    dlon = (dlon * 180.0) / (GCJ_A / sqrtMagic * Math.cos(radLat) * pi);
    return [lon + dlon, lat + dlat];
  }

  function toGcj(center) {
    var shifted = wgs84ToGcj02(center.lng, center.lat);
    return L.latLng(shifted[1], shifted[0]);
  }

  /**
   * A raster tile layer drawn in GCJ-02 (AMap, Tencent), shown under WGS84 overlays: its tiles are
   * placed as if the map were centred on the GCJ-02 position of the WGS84 centre, which moves the basemap
   * by the local GCJ-02 offset (~500 m in Xiamen). Across one view the offset varies by a few metres.
   */
  if (hasLeaflet) {
    L.TileLayer.GCJ02 = L.TileLayer.extend({
      getEvents: function () {
        var events = L.TileLayer.prototype.getEvents.call(this);
        var update = events.moveend;
        events.moveend = function () {
          this._setZoomTransforms(this._map.getCenter(), this._map.getZoom());
          update.call(this);
        };
        return events;
      },
      _setZoomTransform: function (level, center, zoom) {
        L.TileLayer.prototype._setZoomTransform.call(this, level, toGcj(center), zoom);
      },
      _getTiledPixelBounds: function (center) {
        return L.TileLayer.prototype._getTiledPixelBounds.call(this, toGcj(center));
      }
    });
    L.tileLayer.gcj02 = function (url, options) { return new L.TileLayer.GCJ02(url, options); };
  }

  // ---- start -------------------------------------------------------------------------------------

  function ready(callback) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', callback);
    } else {
      callback();
    }
  }

  ready(function () {
    initLogout();
    if (config.map && map()) {
      initIdentify();
      if (config.drawControl && (config.page === 'map' || config.page === 'apply')) { addMeasureTool(); }
    }
    session.notify();
  });

  window.Blueprint = {
    config: config, t: t, labelled: labelled, escapeHtml: escapeHtml, number: number, formatArea: formatArea,
    api: api, ApiError: ApiError, problemText: problemText, problemFields: problemFields, session: session, map: map, ready: ready,
    style: style, compositeTiles: compositeTiles, planningLayer: planningLayer, featuresAt: featuresAt,
    whenTilesLoaded: whenTilesLoaded,
    siteStatus: siteStatus, proposalSymbol: proposalSymbol, conflictLayer: conflictLayer,
    conflictPopup: conflictPopup, popupFit: popupFit, conflictLayerName: conflictLayerName, conflictBadges: conflictBadges,
    proposalLayer: proposalLayer, oneLanguage: oneLanguage,
    proposalSummary: proposalSummary, zoomsToSite: zoomsToSite,
    showMessage: showMessage,
    watchSiteMarkers: watchSiteMarkers,
    wgs84ToGcj02: wgs84ToGcj02, measuring: measuring, formatAreaFull: formatAreaFull
  };
})();
