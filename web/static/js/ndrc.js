/*
 * 发改委统筹 (NDRC overview): a table of the proposals with their conflicts and opinions, the sites on the
 * map, and the actions (start review, approve and code, return). An action goes through
 * POST /api/v1/proposals/{id}/actions; a refusal (409 approval-refused) is shown with every reason.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var map = B.map();
  var sites = L.featureGroup().addTo(map);
  var rows = document.getElementById('ndrc-rows');
  var table = document.getElementById('ndrc-table');
  var message = document.getElementById('ndrc-message');

  function opinionsCell(item) {
    var required = item.required_departments.length;
    var html = required ? '<div>' + (required - item.outstanding.length) + ' / ' + required + ' ' +
      B.escapeHtml(B.t('ndrc.given')) + '</div>' : '<div class="text-muted">' + B.escapeHtml(B.t('ndrc.none_required')) + '</div>';
    if (item.outstanding.length) {
      html += '<div class="small text-muted">' + B.escapeHtml(B.t('proposal.outstanding')) + ': ' +
        item.outstanding.map(function (waiting) {
          return B.escapeHtml(B.t('department.' + waiting.department)) + ' (' + waiting.waiting_days + ' ' +
            B.escapeHtml(B.t('proposal.days')) + ')';
        }).join(', ') + '</div>';
    }
    if (item.objections.length) {
      html += '<div class="small text-danger">' + B.escapeHtml(B.t('proposal.objections')) + ': ' +
        item.objections.map(function (objection) {
          return B.escapeHtml(B.t('department.' + objection.department));
        }).join(', ') + '</div>';
    }
    return html;
  }

  function refusalHtml(error) {
    var reasons = error.problem && error.problem.reasons;
    if (error.status === 409 && reasons) {
      return '<strong>' + B.escapeHtml(B.t('action.refused')) + '</strong><ul class="refusal-reasons mb-0">' +
        reasons.map(function (reason) {
          return '<li data-reason-kind="' + B.escapeHtml(reason.kind) + '"><strong>' +
            B.escapeHtml(B.t('refusal.' + reason.kind)) + '</strong>: ' + B.escapeHtml(reason.message) + '</li>';
        }).join('') + '</ul>';
    }
    return '<strong>' + B.escapeHtml(B.t('action.failed')) + '</strong> ' + B.escapeHtml(error.message);
  }

  function act(item, action, reason, feedback) {
    feedback.innerHTML = '';
    return B.api('/proposals/' + item.id + '/actions', { method: 'POST', body: { action: action, reason: reason } })
      .then(function (detail) {
        B.showMessage(feedback, 'success', B.escapeHtml(B.t('action.done')) + ': ' +
          B.escapeHtml(B.t('state.' + detail.state)) +
          (detail.project_code ? ' · <code>' + B.escapeHtml(detail.project_code) + '</code>' : ''));
        return load(B.session.user, item.id);
      }, function (error) {
        B.showMessage(feedback, error.status === 409 ? 'warning' : 'danger', refusalHtml(error));
      });
  }

  function button(label, kind, onClick, name) {
    var element = document.createElement('button');
    element.type = 'button';
    element.className = 'btn btn-sm btn-' + kind;
    element.setAttribute('data-action', name);
    element.textContent = label;
    element.addEventListener('click', function (event) { event.stopPropagation(); onClick(); });
    return element;
  }

  /** The NDRC's actions legal in the proposal's state; other roles see none (the API would refuse them). */
  function actionsCell(item, detail, feedback, cell) {
    var user = B.session.user;
    var legal = detail && user && (user.role === 'ndrc' || user.role === 'admin') ? detail.legal_actions : [];
    if (legal.indexOf('start_review') >= 0) {
      cell.appendChild(button(B.t('action.start_review'), 'outline-primary',
        function () { act(item, 'start_review', null, feedback); }, 'start_review'));
    }
    if (legal.indexOf('approve') >= 0) {
      cell.appendChild(button(B.t('action.approve'), 'success', function () { act(item, 'approve', null, feedback); },
        'approve'));
    }
    if (legal.indexOf('return') >= 0) {
      cell.appendChild(button(B.t('action.return'), 'outline-danger', function () {
        feedback.innerHTML = '<form class="return-form d-flex gap-1"><input class="form-control form-control-sm" ' +
          'name="reason" required placeholder="' + B.escapeHtml(B.t('action.reason')) + '"><button class="btn btn-sm ' +
          'btn-danger" type="submit">' + B.escapeHtml(B.t('ndrc.confirm_return')) + '</button></form>';
        var form = feedback.querySelector('form');
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          act(item, 'return', form.elements.reason.value, feedback);
        });
        form.elements.reason.focus();
      }, 'return'));
    }
  }

  function addRow(item, detail, layer) {
    var row = document.createElement('tr');
    row.setAttribute('data-proposal-id', item.id);
    row.innerHTML = '<td><span class="status-dot status-' + B.siteStatus(item) + '"></span><a href="/proposals/' +
      item.id + '/review?lang=' + B.config.lang + '">' + B.escapeHtml(item.name) + '</a><div class="small text-muted">' +
      B.escapeHtml(item.applicant_organisation) + '</div></td>' +
      '<td>' + B.escapeHtml(B.t('state.' + item.state)) + '</td>' +
      '<td class="text-nowrap">' + B.conflictBadges(item.conflicts || {}) + '</td>' +
      '<td>' + opinionsCell(item) + '</td>' +
      '<td class="project-code">' + (item.project_code ? '<code>' + B.escapeHtml(item.project_code) + '</code>' : '–') +
      '</td>' +
      '<td class="actions text-nowrap"></td>';
    var feedbackRow = document.createElement('tr');
    feedbackRow.className = 'feedback-row';
    feedbackRow.innerHTML = '<td colspan="6"><div class="action-feedback"></div></td>';
    var feedback = feedbackRow.querySelector('.action-feedback');
    actionsCell(item, detail, feedback, row.querySelector('.actions'));
    row.addEventListener('click', function () {
      if (layer) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
    });
    rows.appendChild(row);
    rows.appendChild(feedbackRow);
    return feedback;
  }

  /** (Re)load the table and the map; keep the feedback of the proposal just acted on. */
  function load(user, keepFeedbackOf) {
    var kept = keepFeedbackOf ? rows.querySelector('tr[data-proposal-id="' + keepFeedbackOf + '"] + tr .action-feedback') : null;
    var keptHtml = kept ? kept.innerHTML : '';
    sites.clearLayers();
    if (!user) {
      rows.innerHTML = '';
      table.classList.add('d-none');
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('login.needed')));
      return Promise.resolve();
    }
    B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading')));
    return B.api('/proposals').then(function (items) {
      return B.proposalDetails(items.map(function (item) { return item.id; })).then(function (details) {
        var byId = {};
        details.forEach(function (detail) { byId[detail.id] = detail; });
        rows.innerHTML = '';
        items.forEach(function (item) {
          var detail = byId[item.id];
          var layer = detail ? B.proposalLayer(detail, { marker: true }).addTo(sites) : null;
          var feedback = addRow(item, detail, layer);
          if (item.id === keepFeedbackOf) { feedback.innerHTML = keptHtml; }
        });
        table.classList.remove('d-none');
        message.innerHTML = items.length ? '' : '<div class="alert alert-light py-2">' + B.escapeHtml(B.t('proposal.none')) + '</div>';
      });
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.t('error.generic') + error.message));
    });
  }

  B.watchSiteMarkers();
  B.session.onChange(function (user) { load(user); });
})();
