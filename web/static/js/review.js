/*
 * 项目审查 (proposal review map): the proposal's current site and earlier revisions, its conflict
 * overlaps (popups: layer, rule, department, area in m² and 亩), every department's markings and the
 * opinions panel. A department user draws a marking (Leaflet.draw, folium's Draw plugin), describes it
 * and saves it with POST /api/v1/proposals/{id}/markings; the map then shows it from the server.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var cfg = B.config;
  var map = B.map();
  var path = '/proposals/' + cfg.proposalId;
  var drawn = window[cfg.drawItems];
  var drawControl = window[cfg.drawControl];
  var overlays = L.featureGroup().addTo(map);
  var markings = L.featureGroup().addTo(map);
  var form = document.getElementById('marking-form');
  var note = document.getElementById('marking-note');
  var markingMessage = document.getElementById('marking-message');
  var pending = null;
  var fitted = false;

  map.removeControl(drawControl);  // until we know the user is a department reviewing this proposal

  function section(id) { return document.getElementById(id); }

  function renderHeader(detail) {
    var current = detail.revisions.filter(function (r) { return r.is_current; })[0] || {};
    section('proposal-header').innerHTML =
      '<h1 class="proposal-title"><span class="status-dot status-' + B.siteStatus(detail) + '"></span>' +
      B.escapeHtml(detail.name) + '</h1><table class="table table-sm proposal-facts">' +
      '<tr><th>' + B.escapeHtml(B.t('proposal.state')) + '</th><td>' + B.escapeHtml(B.t('state.' + detail.state)) + '</td></tr>' +
      '<tr><th>' + B.escapeHtml(B.t('proposal.applicant')) + '</th><td>' + B.escapeHtml(detail.applicant_organisation) + '</td></tr>' +
      '<tr><th>' + B.escapeHtml(B.t('proposal.area')) + '</th><td>' + B.formatArea(current.area_m2 || 0) + ' (' +
        B.escapeHtml(B.t('proposal.revision', { n: current.revision })) + ')</td></tr>' +
      (detail.project_code ? '<tr><th>' + B.escapeHtml(B.t('proposal.code')) + '</th><td><code>' +
        B.escapeHtml(detail.project_code) + '</code></td></tr>' : '') +
      '<tr><th>' + B.escapeHtml(B.t('proposal.conflicts')) + '</th><td>' +
        B.conflictBadges(detail.screening ? detail.screening.summary : {}) + '</td></tr></table>';
  }

  function renderConflicts(detail, conflictGroup) {
    var list = section('conflict-list');
    var conflicts = (detail.screening && detail.screening.conflicts) || [];
    list.innerHTML = conflicts.length ? '' : '<li class="text-muted small">' + B.escapeHtml(B.t('conflict.none')) + '</li>';
    conflicts.forEach(function (conflict, index) {
      var item = document.createElement('li');
      item.className = 'conflict-item severity-border-' + conflict.severity;
      item.innerHTML = '<span class="badge severity-badge severity-' + conflict.severity + '">' +
        B.escapeHtml(B.t('severity.' + conflict.severity)) + '</span> <strong>' + B.escapeHtml(B.conflictLayerName(conflict)) +
        '</strong><div class="small">' + B.escapeHtml(conflict.message[cfg.lang]) + '</div><div class="small text-muted">' +
        B.escapeHtml(conflict.department_name[cfg.lang]) + ' · ' + B.formatArea(conflict.overlap.m2) + '</div>';
      var layer = conflictGroup.byConflict[index];
      item.addEventListener('click', function () {
        if (!layer) { return; }
        map.fitBounds(layer.getBounds(), { maxZoom: 17 });
        layer.openPopup();
      });
      list.appendChild(item);
    });
  }

  function renderOpinions(review) {
    var html = '';
    if (review.outstanding.length) {
      html += '<div class="small fw-bold">' + B.escapeHtml(B.t('opinions.awaiting')) + '</div><ul class="awaiting-list">' +
        review.outstanding.map(function (waiting) {
          return '<li>' + B.escapeHtml(B.t('department.' + waiting.department)) + ' <span class="text-muted">(' +
            waiting.waiting_days + ' ' + B.escapeHtml(B.t('proposal.days')) + ')</span></li>';
        }).join('') + '</ul>';
    }
    if (!review.opinions.length) {
      html += '<p class="text-muted small">' + B.escapeHtml(B.t('opinions.none')) + '</p>';
    }
    html += '<ul class="opinion-list">' + review.opinions.map(function (opinion) {
      return '<li class="opinion-item verdict-' + B.escapeHtml(opinion.verdict) + (opinion.stands ? '' : ' superseded') + '">' +
        '<div><strong>' + B.escapeHtml(B.t('department.' + opinion.department)) + '</strong> · <span class="verdict">' +
        B.escapeHtml(B.t('verdict.' + opinion.verdict)) + '</span></div>' +
        (opinion.conditions.length ? '<ul class="small">' + opinion.conditions.map(function (c) {
          return '<li>' + B.escapeHtml(c) + '</li>'; }).join('') + '</ul>' : '') +
        (opinion.reason ? '<div class="small">' + B.escapeHtml(opinion.reason) + '</div>' : '') +
        '<div class="small text-muted">' + B.escapeHtml(B.t('proposal.revision', { n: opinion.revision })) + ' · ' +
        B.escapeHtml(opinion.author) + ' · ' + B.escapeHtml(B.t(opinion.stands ? 'opinions.stands' : 'opinions.superseded')) +
        '</div></li>';
    }).join('') + '</ul>';
    section('opinions').innerHTML = html;
  }

  function markingPopup(properties) {
    return '<div class="marking-popup"><strong>' + B.escapeHtml(B.t('department.' + properties.department)) + '</strong>' +
      '<div>' + B.escapeHtml(properties.note) + '</div><div class="small text-muted">' + B.escapeHtml(properties.author) +
      ' · ' + B.escapeHtml(B.t('proposal.revision', { n: properties.revision })) + '</div></div>';
  }

  function renderMarkings(collection) {
    markings.clearLayers();
    var symbol = B.proposalSymbol('marking');
    L.geoJSON(collection, {
      style: symbol,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, L.extend({}, symbol, { radius: 8, fillOpacity: 0.6, dashArray: null }));
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(markingPopup(feature.properties));
        layer.feature = feature;
      }
    }).addTo(markings);
    var list = section('marking-list');
    list.innerHTML = collection.features.length ? '' :
      '<li class="text-muted small">' + B.escapeHtml(B.t('markings.none')) + '</li>';
    collection.features.forEach(function (feature) {
      var item = document.createElement('li');
      item.className = 'marking-item';
      item.setAttribute('data-marking-id', feature.id);
      item.innerHTML = '<strong>' + B.escapeHtml(B.t('department.' + feature.properties.department)) + '</strong>: ' +
        B.escapeHtml(feature.properties.note);
      list.appendChild(item);
    });
  }

  function canMark(user, detail) {
    return user && (user.role === 'department' || user.role === 'admin') &&
      (detail.state === 'submitted' || detail.state === 'under_review');
  }

  function load(user) {
    overlays.clearLayers();
    markings.clearLayers();
    if (drawControl._map) { map.removeControl(drawControl); }
    if (!user) {
      B.showMessage(section('proposal-message'), 'secondary', B.escapeHtml(B.t('login.needed')));
      return;
    }
    Promise.all([B.api(path), B.api(path + '/markings')]).then(function (answers) {
      var detail = answers[0];
      section('proposal-message').innerHTML = '';
      renderHeader(detail);
      var sites = B.proposalLayer(detail, { withEarlier: true }).addTo(overlays);
      renderConflicts(detail, sites.conflicts);
      renderOpinions(detail.review);
      renderMarkings(answers[1]);
      if (!fitted) { map.fitBounds(sites.getBounds(), { maxZoom: 16, padding: [60, 60] }); fitted = true; }
      if (canMark(user, detail)) {
        map.addControl(drawControl);
        section('marking-hint').textContent = B.t('markings.draw_hint');
      } else {
        section('marking-hint').textContent = B.t('markings.not_department');
      }
    }).catch(function (error) {
      B.showMessage(section('proposal-message'), 'danger', B.escapeHtml(B.t('error.generic') + error.message));
    });
  }

  function reloadMarkings() {
    return B.api(path + '/markings').then(renderMarkings);
  }

  map.on('draw:created', function (event) {
    pending = event.layer;
    form.classList.remove('d-none');
    markingMessage.innerHTML = '';
    note.focus();
  });

  function cancel() {
    pending = null;
    drawn.clearLayers();
    form.reset();
    form.classList.add('d-none');
  }

  section('marking-cancel').addEventListener('click', cancel);

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!pending) { return; }
    if (!note.value.trim()) {
      B.showMessage(markingMessage, 'warning', B.escapeHtml(B.t('markings.note_needed')));
      return;
    }
    B.api(path + '/markings', { method: 'POST', body: { geometry: pending.toGeoJSON().geometry, note: note.value } })
      .then(function () {
        cancel();
        B.showMessage(markingMessage, 'success', B.escapeHtml(B.t('markings.saved')));
        return reloadMarkings();
      })
      .catch(function (error) {
        B.showMessage(markingMessage, 'danger', B.escapeHtml(B.t('action.failed') + ' ' + error.message));
      });
  });

  B.session.onChange(load);
})();
