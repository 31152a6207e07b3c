/*
 * 一张蓝图总图 (one-blueprint map): once logged in, every proposal the account may see is drawn over the
 * planning layers, its current site coloured by its screening result and its conflict overlaps filled;
 * the panel lists them (click or Enter: zoom to the site).
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var proposals = L.featureGroup().addTo(B.map());
  B.layerPanel.registerOverlay('proposals', proposals);  // its toggle in the panel's projects group
  var message = document.getElementById('proposals-message');
  var list = document.getElementById('proposal-list');

  function listItem(entry) {
    var item = document.createElement('li');
    item.className = 'proposal-item';
    item.setAttribute('data-proposal-id', entry.id);
    item.innerHTML = '<div class="proposal-line"><span class="status-dot status-' + B.siteStatus(entry) + '"></span>' +
      '<span class="proposal-name">' + B.escapeHtml(entry.name) + '</span></div>' +
      '<div class="proposal-meta">' + B.escapeHtml(B.t('state.' + entry.state)) + ' · ' +
      B.conflictBadges(entry.conflicts || {}) + '</div>';
    return item;
  }

  /** Whether the account's work includes proposals (a window or a service provider has none). */
  function listsProposals(user) {
    return [user.role].concat(user.extra_roles || []).some(function (role) {
      return ['applicant', 'department', 'ndrc', 'admin'].indexOf(role) >= 0;
    });
  }

  function load(user) {
    proposals.clearLayers();
    list.innerHTML = '';
    document.getElementById('proposals-section').classList.toggle('d-none', !!user && !listsProposals(user));
    if (user && !listsProposals(user)) { return; }
    if (!user) {
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('login.needed')));
      return;
    }
    B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading')));
    B.api('/proposals').then(function (items) {
      if (!items.length) {
        B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.none')));
        return;
      }
      message.innerHTML = '';
      items.forEach(function (item) {
        var layer = B.proposalLayer(item, { marker: true }).addTo(proposals);
        B.zoomsToSite(list.appendChild(listItem(item)), layer, function () { if (layer.site) { layer.site.openPopup(); } });
      });
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.t('error.generic') + error.message));
    });
  }

  B.watchSiteMarkers();
  B.session.onChange(load);
})();
