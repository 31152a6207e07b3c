/*
 * 待我审查 (a department's work queue): GET /api/v1/review-queue lists the proposals under review that
 * wait for the official's department, the longest waiting first, with the days waited; each links to
 * its review page, where the opinion form is. Their sites are drawn on the map.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var map = B.map();
  var sites = L.featureGroup().addTo(map);
  var list = document.getElementById('queue-list');
  var message = document.getElementById('queue-message');
  var desk = document.getElementById('desk-department');

  function item(entry) {
    var li = document.createElement('li');
    li.className = 'queue-item';
    li.setAttribute('data-proposal-id', entry.id);
    li.innerHTML = '<div class="d-flex justify-content-between gap-2"><span class="proposal-name">' +
      '<span class="status-dot status-' + B.siteStatus(entry) + '"></span>' + B.escapeHtml(entry.name) + '</span>' +
      '<span class="badge waiting-badge' + (entry.waiting_days >= 5 ? ' overdue' : '') + '">' +
      B.escapeHtml(B.t('queue.waiting', { days: entry.waiting_days })) + '</span></div>' +
      '<div class="proposal-meta">' + B.escapeHtml(entry.applicant_organisation) + ' · ' +
      B.escapeHtml(entry.district_name || entry.district_code) + ' · ' +
      B.escapeHtml(B.t('queue.since', { date: entry.waiting_since.slice(0, 10) })) + '</div>' +
      '<div class="proposal-meta">' + B.conflictBadges(entry.conflicts || {}) + ' <a class="queue-open" href="/proposals/' +
      encodeURIComponent(entry.id) + '/review?lang=' + B.config.lang + '">' + B.escapeHtml(B.t('queue.open')) + '</a></div>';
    return li;
  }

  function load(user) {
    list.innerHTML = '';
    desk.textContent = '';
    sites.clearLayers();
    if (!user) {
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('login.needed')));
      return;
    }
    if (user.role !== 'department') {
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('queue.not_department')));
      return;
    }
    // whose queue this is: the department's full name and its level (市级 / 区级 / 镇街)
    desk.textContent = B.t('desk.acting_as') + ' ' + B.t('department.' + user.department) + ' · ' +
      B.t('deptlevel.' + user.department);
    B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading')));
    B.api('/review-queue').then(function (queue) {
      message.innerHTML = queue.length ? '' :
        '<div class="alert alert-light py-2">' + B.escapeHtml(B.t('queue.none')) + '</div>';
      queue.forEach(function (entry) {
        list.appendChild(item(entry));
        B.proposalLayer(entry, { marker: true }).addTo(sites);
      });
      if (queue.length) { map.fitBounds(sites.getBounds(), { maxZoom: 15, padding: [40, 40] }); }
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.t('error.generic') + error.message));
    });
  }

  B.watchSiteMarkers();
  B.session.onChange(load);
})();
