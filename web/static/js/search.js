/*
 * Search (查询定位, macro search_box of web/templates/macros.html): one box asks GET /api/v1/search and lists
 * what it found as buttons; choosing one takes the map there: a position gets a marker, anything else fits
 * the map to its bounds (a town or street to its district's, which the result says). An exact or single
 * match is taken at once. Who sees which proposal is the API's business (projects/search.py).
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var marker = null;
  var found = [];

  function byId(id) { return document.getElementById(id); }

  function typeLabel(result) {
    return B.t('search.type.' + (result.type === 'township' ? result.township_type : result.type));
  }

  /** What a result is, in words: where a position lies and how it was read, a street's district… */
  function describe(result) {
    var district = result.district ? B.t('search.in_district', { district: result.district.name }) : '';
    switch (result.type) {
      case 'coordinates':
        return [B.number(result.point[0], 6) + ', ' + B.number(result.point[1], 6) + ' (WGS84)',
          B.t('search.read_as', { crs: result.position.crs }) + (result.position.swapped ? B.t('search.swapped') : ''),
          district || B.t('search.no_district')].join(' · ');
      case 'township':
        return district + ' · ' + B.t('search.district_extent');
      case 'feature':
        return B.t('kind.' + result.layer.kind) + ' · ' + result.layer.name;
      case 'proposal':
        return B.t('state.' + result.state) + (result.district ? ' · ' + district : '');
      case 'project':
        return (result.name || '') + (result.district ? ' · ' + district : '') +
          (result.extent === 'district' ? ' · ' + B.t('search.district_extent') : '');
      default:
        return result.code || '';
    }
  }

  /** Take the map to a result. */
  function go(result) {
    var map = B.map();
    if (marker) { map.removeLayer(marker); marker = null; }
    if (result.point) {
      var at = L.latLng(result.point[1], result.point[0]);
      marker = L.circleMarker(at, { radius: 9, weight: 3, color: '#ffffff', fillColor: '#d32f2f', fillOpacity: 0.95,
        className: 'search-marker', interactive: false }).addTo(map)
        .bindTooltip(B.escapeHtml(B.number(result.point[0], 6) + ', ' + B.number(result.point[1], 6) +
          (result.district ? ' · ' + result.district.name : '')), { permanent: true, direction: 'top', offset: [0, -8] });
      map.setView(at, Math.max(map.getZoom(), 16), { animate: false });
    } else if (result.bbox) {
      var b = result.bbox;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 17, padding: [16, 16], animate: false });
    }
    byId('search-status').textContent = '→ ' + typeLabel(result) + ' ' + (result.type === 'coordinates' ? '' : result.name);
  }

  function render(results) {
    found = results;
    byId('search-results').innerHTML = results.map(function (result, index) {
      return '<li><button type="button" class="search-result" data-search-result="' + index + '">' +
        '<span class="badge text-bg-secondary search-type">' + B.escapeHtml(typeLabel(result)) + '</span> ' +
        '<span class="search-name">' + B.escapeHtml(result.name) +
        (result.code && result.code !== result.name ? ' <code>' + B.escapeHtml(result.code) + '</code>' : '') +
        '</span><small class="search-detail">' + B.escapeHtml(describe(result)) + '</small></button></li>';
    }).join('');
  }

  function exact(result, query) {
    var q = query.toUpperCase();
    return String(result.name || '').toUpperCase() === q || String(result.code || '').toUpperCase() === q;
  }

  function submit(event) {
    event.preventDefault();
    var query = byId('search-input').value.trim();
    var status = byId('search-status');
    render([]);
    if (!query) { status.textContent = B.t('problem.invalid-search'); return; }
    status.textContent = B.t('search.searching');
    B.api('/search?q=' + encodeURIComponent(query)).then(function (answer) {
      var results = answer.results;
      render(results);
      if (!results.length) { status.textContent = B.t('search.none', { q: query }); return; }
      status.textContent = B.t('search.results', { n: results.length });
      if (results.length === 1 || exact(results[0], query)) { go(results[0]); }
    }, function (error) {
      status.textContent = B.problemText(error);
    });
  }

  B.ready(function () {
    var form = byId('search-form');
    if (!form || !B.config.map || !B.map()) { return; }
    form.addEventListener('submit', submit);
    byId('search-results').addEventListener('click', function (event) {
      var button = event.target.closest('[data-search-result]');
      if (button) { go(found[Number(button.getAttribute('data-search-result'))]); }
    });
  });

  B.search = { go: go };
})();
