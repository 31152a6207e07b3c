/*
 * 图层变更影响 (layer impact reports) in the work lists: /queue (a department's: the reports with changes on
 * its proposals and coded projects) and /ndrc (the NDRC's: every report). GET /api/v1/layer-impacts answers
 * each report with the changes the caller may see; each entry gives the layer, the versions compared and the
 * conflicts that appear, disappear or change area by severity, and links to the report's page (/impacts/{id}).
 * The newest five are listed, the others on request. Reports not opened yet on this browser are marked new
 * (the ids opened are kept in localStorage per account).
 * Also Blueprint.impacts: the words of a report, for the report's own page (impact.js).
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var CHANGES = ['appeared', 'disappeared', 'changed', 'refused'];
  var SEVERITIES = ['blocking', 'needs_review', 'info'];
  var SEEN_KEPT = 500;
  var LISTED = 5;  // the newest reports; the rest on request, so the proposals below stay in reach

  /** The counts of one kind of change by severity, in the shape conflictBadges reads. */
  function counts(changes, change) {
    var found = { blocking_count: 0, needs_review_count: 0, info_count: 0 };
    changes.forEach(function (entry) {
      if (entry.change === change && SEVERITIES.indexOf(entry.severity) >= 0) { found[entry.severity + '_count'] += 1; }
    });
    return found;
  }

  /** One line per kind of change that happened: its name and its counts by severity (badges). */
  function countsHtml(changes) {
    var lines = CHANGES.map(function (change) {
      var found = counts(changes, change);
      if (!(found.blocking_count + found.needs_review_count + found.info_count)) { return ''; }
      return '<div class="impact-count" data-change="' + change + '"><span class="impact-count-label">' +
        B.escapeHtml(B.t('impact.change.' + change)) + '</span> ' + B.conflictBadges(found) + '</div>';
    }).join('');
    return lines || '<div class="small text-muted">' + B.escapeHtml(B.t('impact.no_changes')) + '</div>';
  }

  /** "v1 → v2", or that the layer is new. */
  function versionText(impact) {
    return impact.against_version ? B.t('impact.versions', { old: impact.against_version, new: impact.version })
      : B.t('impact.new_layer', { new: impact.version });
  }

  /** The layer's name and its kind, the kind left out when the name says it already. */
  function layerName(impact) {
    var name = B.oneLanguage(impact.layer_name), kind = B.t('kind.' + impact.layer_kind);
    return name.toLowerCase() === kind.toLowerCase() ? name : name + ' · ' + kind;
  }

  function seenKey() { return 'blueprint.impacts.seen.' + ((B.session.user || {}).username || ''); }

  function seen() {
    try { return JSON.parse(window.localStorage.getItem(seenKey()) || '[]'); } catch (ignored) { return []; }
  }

  /** Remember that this account opened report ``id`` on this browser. */
  function markSeen(id) {
    var ids = seen().filter(function (known) { return known !== id; });
    ids.push(id);
    try { window.localStorage.setItem(seenKey(), JSON.stringify(ids.slice(-SEEN_KEPT))); } catch (ignored) { /* private mode */ }
  }

  B.impacts = { counts: counts, countsHtml: countsHtml, versionText: versionText, layerName: layerName,
    markSeen: markSeen, CHANGES: CHANGES };

  var list = document.getElementById('impact-list');
  if (!list) { return; }
  var section = document.getElementById('impact-list-section');
  var message = document.getElementById('impact-list-message');
  var more = document.getElementById('impact-list-more');

  function item(impact, opened) {
    var li = document.createElement('li');
    li.className = 'impact-item';
    li.setAttribute('data-impact-id', impact.id);
    var proposals = {};
    impact.changes.forEach(function (change) { proposals[change.proposal_id] = true; });
    li.innerHTML = '<div class="d-flex justify-content-between gap-2"><a class="impact-open" href="/impacts/' +
      encodeURIComponent(impact.id) + '?lang=' + B.config.lang + '">' + B.escapeHtml(layerName(impact)) + '</a>' +
      (opened.indexOf(impact.id) < 0 ? '<span class="badge impact-new">' + B.escapeHtml(B.t('impact.new')) + '</span>' : '') +
      '</div><div class="proposal-meta">' + B.escapeHtml(versionText(impact)) + ' · ' +
      B.escapeHtml(impact.computed_at.slice(0, 10)) + ' · ' +
      B.escapeHtml(B.t('impact.proposal_count', { n: Object.keys(proposals).length })) + '</div>' +
      '<div class="proposal-meta">' + countsHtml(impact.changes) + '</div>';
    return li;
  }

  function load(user) {
    list.innerHTML = '';
    var reader = user && ['department', 'ndrc', 'admin'].indexOf(user.role) >= 0;
    section.classList.toggle('d-none', !reader);
    if (!reader) { return; }
    B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading')));
    B.api('/layer-impacts').then(function (impacts) {
      message.innerHTML = impacts.length ? '' :
        '<div class="alert alert-light py-2 mb-2">' + B.escapeHtml(B.t('impact.none')) + '</div>';
      var opened = seen();
      impacts.forEach(function (impact, index) {
        var entry = list.appendChild(item(impact, opened));
        entry.hidden = index >= LISTED;
      });
      more.textContent = B.t('impact.show_all', { n: impacts.length });
      more.classList.toggle('d-none', impacts.length <= LISTED);
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.problemText(error)));
    });
  }

  more.addEventListener('click', function () {
    list.querySelectorAll('.impact-item').forEach(function (entry) { entry.hidden = false; });
    more.classList.add('d-none');
  });
  B.session.onChange(load);
})();
