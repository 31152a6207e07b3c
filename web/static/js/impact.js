/*
 * 图层变更影响报告 (one layer impact report): GET /api/v1/layer-impacts/{id} gives the layer, the versions
 * compared and each change the caller may see (a department: its own); the panel lists them per proposal and
 * coded project with department, rule, severity and the old and new overlap (m² and 亩), each linked to its
 * review page. GET /api/v1/layer-impacts/{id}/map draws the affected sites and the layer's features the new
 * version added or the old one had. The NDRC re-screens the live proposals the report names in one
 * confirmed action (POST /api/v1/layer-impacts/{id}/rescreen, audited); the answer says which proposals got
 * a new screening and how their counts by severity changed; stored screenings stay as they were.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var cfg = B.config;
  var map = B.map();
  var path = '/layer-impacts/' + encodeURIComponent(cfg.impactId);
  var drawn = L.featureGroup().addTo(map);
  var message = document.getElementById('impact-message');
  var STYLES = {
    site: { color: '#0d47a1', weight: 2, fillColor: '#1565c0', fillOpacity: 0.15 },
    added: { color: '#c62828', weight: 2, fillColor: '#e53935', fillOpacity: 0.35 },
    removed: { color: '#2e7d32', weight: 2, dashArray: '6 4', fillColor: '#43a047', fillOpacity: 0.1 }
  };

  function section(id) { return document.getElementById(id); }

  function reviewLink(id, name) {
    return '<a href="/proposals/' + encodeURIComponent(id) + '/review?lang=' + cfg.lang + '">' + B.escapeHtml(name) + '</a>';
  }

  function fact(label, value) { return '<tr><th scope="row">' + B.escapeHtml(B.t(label)) + '</th><td>' + value + '</td></tr>'; }

  function renderSummary(impact) {
    var rules = impact.summary.rule_set_version;
    section('impact-title').innerHTML = '<i class="fa-solid fa-layer-group" aria-hidden="true"></i> ' +
      B.escapeHtml(B.t('impact.title_of', { id: impact.id }));
    section('impact-summary').innerHTML = '<table class="table table-sm impact-facts">' +
      fact('impact.layer', B.escapeHtml(B.impacts.layerName(impact))) +
      fact('impact.versions_label', B.escapeHtml(B.impacts.versionText(impact))) +
      fact('impact.computed', B.escapeHtml(impact.computed_at.slice(0, 16).replace('T', ' '))) +
      fact('impact.sites_checked', B.escapeHtml(B.number(impact.sites_checked, 0))) +
      (rules ? fact('impact.rule_set', '<a href="/rules?version=' + encodeURIComponent(rules) + '&lang=' + cfg.lang + '">' +
        B.escapeHtml(B.t('rules.version_n', { n: rules })) + '</a>') : '') +
      '</table>' + B.impacts.countsHtml(impact.changes);
  }

  /** One change on one project: the project (linked to its review page), what changed and whose it is, the
   * overlap before and after (m² and 亩). */
  function changeItem(change) {
    var item = document.createElement('li');
    item.className = 'impact-change severity-border-' + change.severity;
    item.setAttribute('data-proposal-id', change.proposal_id);
    item.innerHTML = '<div class="fw-bold">' + reviewLink(change.proposal_id, change.proposal_name) + '</div>' +
      '<div class="small text-muted">' + B.escapeHtml(B.t('state.' + change.state)) +
      (change.project_code ? ' · <code>' + B.escapeHtml(change.project_code) + '</code>' : '') + '</div>' +
      '<div class="small"><span class="badge severity-badge severity-' + B.escapeHtml(change.severity) + '">' +
      B.escapeHtml(B.t('severity.' + change.severity)) + '</span> ' + B.escapeHtml(B.t('impact.change.' + change.change)) +
      ' · ' + B.escapeHtml(B.t('department.' + change.department)) + '</div>' +
      '<div class="small impact-area">' + B.labelled('impact.old_area') + B.formatArea(change.old_m2) + '</div>' +
      '<div class="small impact-area">' + B.labelled('impact.new_area') + B.formatArea(change.new_m2) + '</div>' +
      '<div class="small text-muted"><code>' + B.escapeHtml(change.rule_id) + '</code></div>';
    return item;
  }

  function renderChanges(impact) {
    var rows = section('impact-rows');
    rows.innerHTML = '';
    impact.changes.forEach(function (change) { rows.appendChild(changeItem(change)); });
    section('changes-section').classList.remove('d-none');
  }

  function drawMap() {
    return B.api(path + '/map').then(function (collection) {
      drawn.clearLayers();
      L.geoJSON(collection, {
        style: function (feature) { return STYLES[feature.properties.role]; },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindPopup(p.role === 'site' ? '<div class="fw-bold">' + reviewLink(p.proposal_id, p.proposal_name) +
            '</div><div class="small">' + B.escapeHtml(B.t('state.' + p.state)) + '</div>' :
            B.escapeHtml(B.t('impact.legend_' + p.role)));
        }
      }).addTo(drawn);
      if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { maxZoom: 16, padding: [30, 30] }); }
    });
  }

  // ---- re-screening (NDRC): one explicit, confirmed action ------------------------------------------

  var LIVE = ['draft', 'submitted', 'under_review', 'returned'];

  function named(impact) {
    var byId = {};
    impact.changes.forEach(function (change) { byId[change.proposal_id] = change; });
    return Object.keys(byId).map(function (id) { return byId[id]; });
  }

  function setUpRescreen(impact, user) {
    var box = section('rescreen-section');
    var start = section('rescreen-start');
    var mayAct = user.role === 'ndrc' || user.role === 'admin';
    var proposals = named(impact);
    var live = proposals.filter(function (entry) { return LIVE.indexOf(entry.state) >= 0 && !entry.project_code; });
    box.classList.toggle('d-none', !proposals.length);
    section('rescreen-about').textContent = mayAct ?
      B.t('impact.rescreen_about', { n: live.length, kept: proposals.length - live.length }) : B.t('impact.rescreen_ndrc_only');
    start.classList.toggle('d-none', !mayAct);
    start.disabled = !live.length;
    start.onclick = function () { confirmRescreen(live); };
  }

  function confirmRescreen(live) {
    var confirmBox = section('rescreen-confirm');
    confirmBox.innerHTML = '<div class="alert alert-primary py-2 mb-1 rescreen-confirmation" role="alertdialog" ' +
      'aria-labelledby="rescreen-confirm-title"><div class="fw-bold" id="rescreen-confirm-title">' +
      B.escapeHtml(B.t('impact.confirm_title')) + '</div><div class="small">' +
      B.escapeHtml(B.t('impact.confirm_text', { n: live.length })) + '</div><ul class="small mb-1">' +
      live.map(function (entry) { return '<li>' + B.escapeHtml(entry.proposal_name) + '</li>'; }).join('') +
      '</ul><div class="d-flex gap-1"><button class="btn btn-sm btn-primary" type="button" id="rescreen-confirm-button">' +
      B.escapeHtml(B.t('impact.confirm')) + '</button><button class="btn btn-sm btn-outline-secondary" type="button" ' +
      'id="rescreen-cancel">' + B.escapeHtml(B.t('ndrc.cancel')) + '</button></div></div>';
    section('rescreen-cancel').onclick = function () { confirmBox.innerHTML = ''; section('rescreen-start').focus(); };
    var go = section('rescreen-confirm-button');
    go.onclick = function () { go.disabled = true; rescreen(); };
    go.focus();
  }

  function badges(facts) {
    return facts ? B.conflictBadges(facts) : '<span class="text-muted">' + B.escapeHtml(B.t('impact.unscreened')) + '</span>';
  }

  function renderResult(result) {
    var html = '<div class="alert alert-success py-2 mb-1">' +
      B.escapeHtml(B.t('impact.rescreened', { n: result.rescreened.length })) + '</div>';
    if (result.rescreened.length) {
      html += '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="rescreen-heading"><table class="table table-sm align-middle rescreen-table"><thead><tr><th scope="col">' +
        B.escapeHtml(B.t('impact.proposal')) + '</th><th scope="col">' + B.escapeHtml(B.t('impact.before')) +
        '</th><th scope="col">' + B.escapeHtml(B.t('impact.after')) + '</th></tr></thead><tbody>' +
        result.rescreened.map(function (entry) {
          return '<tr data-proposal-id="' + B.escapeHtml(entry.proposal_id) + '"><td>' +
            reviewLink(entry.proposal_id, entry.proposal_name) + '</td><td class="text-nowrap">' + badges(entry.before) +
            '</td><td class="text-nowrap">' + badges(entry.after) + '</td></tr>';
        }).join('') + '</tbody></table></div>';
    }
    if (result.not_rescreened.length) {
      html += '<div class="small">' + B.escapeHtml(B.t('impact.kept')) + '</div><ul class="small kept-list">' +
        result.not_rescreened.map(function (entry) {
          return '<li>' + reviewLink(entry.proposal_id, entry.proposal_name) + ' · ' +
            B.escapeHtml(B.t('impact.kept.' + entry.reason)) + '</li>';
        }).join('') + '</ul>';
    }
    section('rescreen-result').innerHTML = html;
  }

  function rescreen() {
    var result = section('rescreen-result');
    B.showMessage(result, 'light', B.escapeHtml(B.t('impact.rescreening')));
    B.api(path + '/rescreen', { method: 'POST' }).then(function (answer) {
      section('rescreen-confirm').innerHTML = '';
      renderResult(answer);
    }, function (error) {
      section('rescreen-confirm').innerHTML = '';
      B.showMessage(result, 'danger', B.escapeHtml(B.problemText(error)));
    });
  }

  function load(user) {
    drawn.clearLayers();
    ['rescreen-section', 'changes-section'].forEach(function (id) { section(id).classList.add('d-none'); });
    section('impact-summary').innerHTML = '';
    if (!user) {
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('login.needed')));
      return;
    }
    B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading')));
    B.api(path).then(function (impact) {
      message.innerHTML = impact.changes.length ? '' :
        '<div class="alert alert-light py-2 mb-2">' + B.escapeHtml(B.t('impact.no_changes')) + '</div>';
      B.impacts.markSeen(impact.id);
      renderSummary(impact);
      renderChanges(impact);
      setUpRescreen(impact, user);
      return drawMap();
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.problemText(error)));
    });
  }

  B.session.onChange(load);
})();
