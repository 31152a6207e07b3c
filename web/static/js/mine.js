/*
 * 我的项目 (the applicant's own proposals): each with its state, the departments it waits for (and how
 * many days), its code once assigned, and a link to revise and submit it (draft, returned) or to its review
 * page; their sites are drawn on the map (click a row or press Enter on it: zoom to the site).
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;
  var EDITABLE = { draft: true, returned: true };
  var sites = L.featureGroup().addTo(B.map());
  var message = document.getElementById('mine-message');
  var list = document.getElementById('mine-list');


  function item(entry) {
    var lang = B.config.lang;
    var waiting = entry.outstanding.map(function (department) {
      return department[lang] + ' (' + department.waiting_days + ' ' + t('proposal.days') + ')';
    }).join('、');
    var link = EDITABLE[entry.state] ? '/proposals/' + entry.id + '/edit' : '/proposals/' + entry.id + '/review';
    var li = document.createElement('li');
    li.className = 'proposal-item';
    li.setAttribute('data-proposal-id', entry.id);
    li.innerHTML = '<div class="proposal-line"><span class="status-dot status-' + B.siteStatus(entry) + '"></span>' +
      '<span class="proposal-name">' + esc(entry.name) + '</span></div>' +
      '<div class="proposal-meta"><span class="proposal-state">' + esc(t('state.' + entry.state)) + '</span> · ' +
      B.conflictBadges(entry.conflicts || {}) + '</div>' +
      '<div class="proposal-meta">' + B.labelled('opinions.awaiting') + '<span class="proposal-waiting">' +
      esc(waiting || '—') + '</span></div>' +
      '<div class="proposal-meta">' + B.labelled('proposal.code') + '<span class="proposal-code">' +
      (entry.project_code ? '<code>' + esc(entry.project_code) + '</code>' : '—') + '</span></div>' +
      '<a class="small" href="' + link + '?lang=' + lang + '">' +
      esc(EDITABLE[entry.state] ? t('mine.edit') : t('proposal.review_link')) + '</a>';
    return li;
  }

  function load(user) {
    sites.clearLayers();
    list.innerHTML = '';
    if (!user || user.role !== 'applicant') {
      B.showMessage(message, 'secondary', esc(t('apply.need_applicant')));
      return;
    }
    B.showMessage(message, 'light', esc(t('proposal.loading')));
    B.api('/proposals').then(function (entries) {
      message.innerHTML = entries.length ? '' : '<div class="alert alert-light py-2">' + esc(t('proposal.none')) + '</div>';
      entries.forEach(function (entry) {
        B.zoomsToSite(list.appendChild(item(entry)), B.proposalLayer(entry).addTo(sites));
      });
      if (sites.getLayers().length) { B.map().fitBounds(sites.getBounds(), { maxZoom: 15 }); }
    }).catch(function (error) { B.showMessage(message, 'danger', esc(B.problemText(error))); });
  }

  B.session.onChange(load);
})();
