/*
 * 项目审查 (proposal review map): the proposal's current site and earlier revisions, its conflict
 * overlaps (popups: layer, rule, department, area in m² and 亩), every department's markings and the
 * opinions panel. A department user draws a marking (Leaflet.draw, folium's Draw plugin), describes it
 * and saves it with POST /api/v1/proposals/{id}/markings; the map then shows it from the server. The
 * opinion form (同意 / 有条件同意 / 不同意, optionally citing the department's markings) posts to
 * POST /api/v1/proposals/{id}/opinions; where the official cannot act, the page says why. The NDRC's
 * decisions are listed with their reasons; the PDF report downloads with the session's credentials.
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
  var opinionForm = document.getElementById('opinion-form');
  var opinionMessage = document.getElementById('opinion-message');
  var pending = null;
  var fitted = false;
  var MARKING_STATES = ['submitted', 'under_review'];

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
      (detail.project_code ? '<tr><th>' + B.escapeHtml(B.t('proposal.code')) + '</th><td><a class="project-code-link" ' +
        'href="/supervision/projects/' + encodeURIComponent(detail.project_code) + '?lang=' + cfg.lang + '"><code>' +
        B.escapeHtml(detail.project_code) + '</code></a></td></tr>' : '') +
      '<tr><th>' + B.escapeHtml(B.t('proposal.conflicts')) + '</th><td>' +
        B.conflictBadges(detail.screening ? detail.screening.summary : {}) + '</td></tr>' + ruleSetRow(detail) + '</table>';
  }

  /** The rule set version the current screening applied, linked to those rules (/rules?version=N). */
  function ruleSetRow(detail) {
    var version = detail.screening && detail.screening.rule_set && detail.screening.rule_set.version;
    return version ? '<tr><th>' + B.escapeHtml(B.t('review.rule_set')) + '</th><td><a class="rule-set-link" href="/rules?version=' +
      encodeURIComponent(version) + '&lang=' + cfg.lang + '">' + B.escapeHtml(B.t('rules.version_n', { n: version })) + '</a></td></tr>' : '';
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
      if (layer) {
        B.activatable(item, function () {
          map.fitBounds(layer.getBounds(), { maxZoom: 17 });
          layer.openPopup();
        });
      }
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
        (opinion.marking_ids && opinion.marking_ids.length ? '<div class="small">' + B.escapeHtml(B.t('opinion.cites')) +
          ': ' + opinion.marking_ids.map(function (id) { return '#' + B.escapeHtml(id); }).join(', ') + '</div>' : '') +
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
      item.innerHTML = '<span class="text-muted">#' + B.escapeHtml(feature.id) + '</span> <strong>' +
        B.escapeHtml(B.t('department.' + feature.properties.department)) + '</strong>: ' +
        B.escapeHtml(feature.properties.note);
      list.appendChild(item);
    });
  }

  function canMark(user, detail) {
    return user && (user.role === 'department' || user.role === 'admin') && MARKING_STATES.indexOf(detail.state) >= 0;
  }

  function lastDecision(detail, action) {
    return detail.decisions.filter(function (decision) { return decision.action === action; }).pop();
  }

  /** Why this account cannot give an opinion now, or null when it can (the API decides the same way). */
  function opinionObstacle(user, detail) {
    if (!user || user.role !== 'department' || !user.department) { return B.t('cannot.not_department'); }
    if (detail.state !== 'under_review') {
      var text = B.t('cannot.' + detail.state);
      var returned = detail.state === 'returned' && lastDecision(detail, 'return');
      return returned ? text + ' ' + B.t('decision.returned_because') + ': ' + returned.reason : text;
    }
    if (detail.review.required.indexOf(user.department) < 0) { return B.t('cannot.not_required'); }
    return null;
  }

  function renderDecisions(detail) {
    section('decisions-section').classList.toggle('d-none', !detail.decisions.length);
    section('decision-list').innerHTML = detail.decisions.map(function (decision) {
      var code = decision.project_code ? ' <a class="project-code-link" href="/supervision/projects/' +
        encodeURIComponent(decision.project_code) + '?lang=' + cfg.lang + '"><code>' + B.escapeHtml(decision.project_code) +
        '</code></a>' : '';
      return '<li class="decision-item decision-' + B.escapeHtml(decision.action) + '"><strong>' +
        B.escapeHtml(B.t('decision.' + decision.action)) + '</strong>' + code +
        (decision.reason ? '<div class="small">' + B.escapeHtml(B.t('decision.reason')) + ': ' +
          B.escapeHtml(decision.reason) + '</div>' : '') +
        '<div class="small text-muted">' + B.escapeHtml(decision.actor) + ' · ' + B.escapeHtml(decision.at.slice(0, 16).replace('T', ' ')) +
        '</div></li>';
    }).join('');
  }

  function renderOpinionForm(user, detail, collection) {
    var obstacle = opinionObstacle(user, detail);
    opinionForm.classList.toggle('d-none', !!obstacle);
    var status = section('opinion-status');
    if (obstacle) {
      status.innerHTML = '<div class="alert alert-secondary py-1 px-2 mb-1" data-obstacle="' + B.escapeHtml(detail.state) +
        '">' + B.escapeHtml(obstacle) + '</div>';
      return;
    }
    var standing = detail.review.opinions.filter(function (opinion) {
      return opinion.department === user.department && opinion.stands;
    })[0];
    status.innerHTML = standing ? '<div class="text-muted mb-1">' +
      B.escapeHtml(B.t('opinion.standing', { verdict: B.t('verdict.' + standing.verdict) })) + '</div>' : '';
    var own = collection.features.filter(function (feature) { return feature.properties.department === user.department; });
    var checked = {};
    opinionForm.querySelectorAll('[name=marking]:checked').forEach(function (box) { checked[box.value] = true; });
    section('opinion-markings').innerHTML = own.length ? own.map(function (feature) {
      var id = String(feature.id);
      return '<div class="form-check"><input class="form-check-input" type="checkbox" name="marking" id="cite-' +
        B.escapeHtml(id) + '" value="' + B.escapeHtml(id) + '"' + (checked[id] ? ' checked' : '') + '><label class="form-check-label" for="cite-' +
        B.escapeHtml(id) + '">#' + B.escapeHtml(id) + ' ' + B.escapeHtml(feature.properties.note) + '</label></div>';
    }).join('') : '<span class="text-muted">' + B.escapeHtml(B.t('opinion.no_markings')) + '</span>';
  }

  function verdictChosen() {
    var chosen = opinionForm.querySelector('[name=verdict]:checked');
    return chosen ? chosen.value : null;
  }

  function updateOpinionFields() {
    var verdict = verdictChosen();
    section('opinion-conditions-group').classList.toggle('d-none', verdict !== 'agree_with_conditions');
    var label = section('opinion-reason-label');
    label.textContent = label.getAttribute(verdict === 'object' ? 'data-required-label' : 'data-optional-label');
  }

  /** The validation message of the page's language, or null: the same rules the API applies. */
  function opinionProblem(body) {
    if (!body.verdict) { return B.t('opinion.verdict_needed'); }
    if (body.verdict === 'agree_with_conditions' && !body.conditions.length) { return B.t('opinion.conditions_needed'); }
    if (body.verdict === 'object' && !(body.reason || '').trim()) { return B.t('opinion.reason_needed'); }
    return null;
  }

  function serverProblem(error) {
    var field = error.problem && error.problem.field;
    var key = 'opinion.' + field + '_needed';
    if (field && cfg.labels[key]) { return B.t(key); }
    return B.t('action.failed') + ' ' + error.message;
  }

  function load(user) {
    overlays.clearLayers();
    markings.clearLayers();
    if (drawControl._map) { map.removeControl(drawControl); }
    if (!user) {
      B.showMessage(section('proposal-message'), 'secondary', B.escapeHtml(B.t('login.needed')));
      section('report-actions').classList.add('d-none');
      opinionForm.classList.add('d-none');
      section('opinion-status').innerHTML = '';
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
      renderDecisions(detail);
      renderOpinionForm(user, detail, answers[1]);
      section('report-actions').classList.remove('d-none');
      if (!fitted) { map.fitBounds(sites.getBounds(), { maxZoom: 16, padding: [60, 60] }); fitted = true; }
      if (canMark(user, detail)) {
        map.addControl(drawControl);
        section('marking-hint').textContent = B.t('markings.draw_hint');
      } else {
        var isOfficial = user.role === 'department' || user.role === 'admin';
        section('marking-hint').textContent = B.t(isOfficial ? 'cannot.mark_state' : 'markings.not_department');
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

  opinionForm.querySelectorAll('[name=verdict]').forEach(function (radio) {
    radio.addEventListener('change', updateOpinionFields);
  });

  opinionForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = {
      verdict: verdictChosen(),
      conditions: section('opinion-conditions').value.split('\n').map(function (line) { return line.trim(); })
        .filter(Boolean),
      reason: section('opinion-reason').value.trim() || null,
      marking_ids: Array.prototype.map.call(opinionForm.querySelectorAll('[name=marking]:checked'),
        function (box) { return Number(box.value); })
    };
    if (body.verdict !== 'agree_with_conditions') { body.conditions = []; }
    var problem = opinionProblem(body);
    if (problem) {
      B.showMessage(opinionMessage, 'warning', B.escapeHtml(problem));
      return;
    }
    section('opinion-submit').disabled = true;
    B.api(path + '/opinions', { method: 'POST', body: body }).then(function () {
      opinionForm.reset();
      updateOpinionFields();
      B.showMessage(opinionMessage, 'success', B.escapeHtml(B.t('opinion.saved')));
      load(B.session.user);
    }, function (error) {
      B.showMessage(opinionMessage, 'danger', B.escapeHtml(serverProblem(error)));
    }).then(function () { section('opinion-submit').disabled = false; });
  });

  // The report is read with the caller's session cookie, which the browser sends with the link itself.
  var reportLink = section('report-link');
  reportLink.href = cfg.api + path + '/report.pdf?lang=' + cfg.lang;
  reportLink.setAttribute('download', 'proposal-' + cfg.proposalId + '-report-' + cfg.lang + '.pdf');
  section('print-page').addEventListener('click', function () { window.print(); });
  // the print stylesheet gives the map another size: let Leaflet redraw for it, and back after
  window.addEventListener('beforeprint', function () { map.invalidateSize(); });
  window.addEventListener('afterprint', function () { map.invalidateSize(); });

  B.session.onChange(load);
})();
