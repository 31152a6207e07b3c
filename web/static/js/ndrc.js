/*
 * 发改委统筹 (NDRC overview): a table of the proposals with their conflicts, opinions and eligibility, the
 * sites on the map, filters (state, district, eligible or not, waiting department), sorting and search,
 * and the actions (start review, approve and code, return). 批准赋码 is offered only on eligible proposals
 * and asks for a confirmation naming the project and its district. An action goes through
 * POST /api/v1/proposals/{id}/actions; a refusal (409 approval-refused) is shown with every reason in the
 * page's language, a returned proposal with its return reason, a code with a link to its supervision page.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var lang = B.config.lang;
  var map = B.map();
  var sites = L.featureGroup().addTo(map);
  var rows = document.getElementById('ndrc-rows');
  var table = document.getElementById('ndrc-table');
  var message = document.getElementById('ndrc-message');
  var filters = document.getElementById('ndrc-filters');
  var state = { items: [], layers: {}, feedback: {} };

  function districtName(item) { return item.district_name || item.district_code; }

  function codeLink(code) {
    return '<a class="project-code-link" href="/supervision/projects/' + encodeURIComponent(code) + '?lang=' + lang +
      '"><code>' + B.escapeHtml(code) + '</code></a>';
  }

  function reasonText(reason) { return reason.text ? reason.text[lang] : reason.message; }

  function lastDecision(item, action) {
    return (item.decisions || []).filter(function (decision) { return decision.action === action; }).pop();
  }

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

  /**
   * 建设条件: complete, or how many are still missing and, unfolded, which and who is to record them. Folded in
   * the table, so a project with every condition missing does not make its row a screen tall; open in the
   * approval confirmation, where the NDRC decides seeing them.
   */
  function conditionsHtml(item, open) {
    var conditions = item.building_conditions;
    if (!conditions) { return ''; }
    if (!conditions.missing.length) {
      return '<div class="small text-success building-conditions" data-missing="0">' +
        B.escapeHtml(B.t('cond.ndrc_complete')) + '</div>';
    }
    return '<details class="small text-warning-emphasis building-conditions" data-missing="' +
      conditions.missing.length + '"' + (open ? ' open' : '') + '><summary>' +
      B.escapeHtml(B.t('cond.ndrc_missing_count', { n: conditions.missing.length })) + '</summary><ul class="mb-0 ps-3">' +
      conditions.missing_names.map(function (entry) {
        return '<li>' + B.escapeHtml(entry[lang]) + ' (' + B.escapeHtml(entry['responsible_' + lang]) + ')</li>';
      }).join('') + '</ul></details>';
  }

  function stateCell(item) {
    var html = B.escapeHtml(B.t('state.' + item.state));
    if (item.state === 'under_review') {
      html += '<div><span class="badge eligibility ' + (item.eligible ? 'eligible' : 'not-eligible') + '">' +
        B.escapeHtml(B.t(item.eligible ? 'ndrc.eligible' : 'ndrc.not_eligible')) + '</span></div>';
    }
    var decided = item.state === 'returned' ? lastDecision(item, 'return') :
      item.state === 'rejected' ? lastDecision(item, 'reject') : null;
    if (decided) {
      html += '<div class="small text-muted decision-reason">' + B.escapeHtml(B.t('decision.reason')) + ': ' +
        B.escapeHtml(decided.reason) + '</div>';
    }
    return html;
  }

  function blockersHtml(item) {
    if (item.state !== 'under_review' || item.eligible) { return ''; }
    return '<div class="blockers small"><strong>' + B.escapeHtml(B.t('ndrc.blockers')) + '</strong><ul class="refusal-reasons mb-0">' +
      item.blockers.map(function (reason) {
        return '<li data-reason-kind="' + B.escapeHtml(reason.kind) + '">' + B.escapeHtml(reasonText(reason)) + '</li>';
      }).join('') + '</ul></div>';
  }

  function refusalHtml(error) {
    var reasons = error.problem && error.problem.reasons;
    if (error.status === 409 && reasons) {
      return '<strong>' + B.escapeHtml(B.t('action.refused')) + '</strong><ul class="refusal-reasons mb-0">' +
        reasons.map(function (reason) {
          return '<li data-reason-kind="' + B.escapeHtml(reason.kind) + '"><strong>' +
            B.escapeHtml(B.t('refusal.' + reason.kind)) + '</strong>: ' + B.escapeHtml(reasonText(reason)) + '</li>';
        }).join('') + '</ul>';
    }
    return '<strong>' + B.escapeHtml(B.t('action.failed')) + '</strong> ' + B.escapeHtml(error.message);
  }

  function act(item, action, reason, feedback) {
    feedback.innerHTML = '';
    return B.api('/proposals/' + item.id + '/actions', { method: 'POST', body: { action: action, reason: reason } })
      .then(function (detail) {
        var done = B.escapeHtml(B.t('action.done')) + ': ' + B.escapeHtml(B.t('state.' + detail.state)) +
          (detail.project_code ? ' · ' + codeLink(detail.project_code) : '');
        // The approval issued the preliminary work plan with the code: show it at once.
        var plan = action === 'approve' && detail.project_code
          ? B.api('/projects/' + encodeURIComponent(detail.project_code) + '/work-plan').then(workPlanHtml, function () {
            return '';
          }) : Promise.resolve('');
        return plan.then(function (planHtml) {
          B.showMessage(feedback, 'success', done + planHtml);
          state.feedback[item.id] = feedback.innerHTML;
          return load(B.session.user);
        });
      }, function (error) {
        B.showMessage(feedback, error.status === 409 ? 'warning' : 'danger', refusalHtml(error));
        state.feedback[item.id] = feedback.innerHTML;
        // The approval screened the site again; when layers changed since, the departments that screening now
        // needs can answer only once the proposal carries it: offer to keep it (re-screen, audited).
        if (action === 'approve' && error.status === 409) {
          feedback.appendChild(button(B.t('ndrc.rescreen'), 'outline-primary', function () {
            rescreen(item, feedback);
          }, 'rescreen'));
        }
      });
  }

  /** The work plan an approval issued: each task with the department deciding it and its due day. */
  function workPlanHtml(plan) {
    var esc = B.escapeHtml;
    var mark = function (entry) { return entry.provisional ? ' (' + esc(B.t('fs.provisional')) + ')' : ''; };
    return '<div class="small mt-1 work-plan-issued"><strong>' + esc(B.t('fs.plan.issued_now')) + '</strong><ul class="mb-0">' +
      plan.tasks.map(function (task) {
        return '<li data-task="' + esc(task.task) + '">' + esc(lang === 'en' ? task.en : task.zh) + ' · ' +
          esc(B.t('department.' + task.department)) + ' · ' + esc(B.t('fs.due')) + ' ' + esc(task.due) + mark(task) + '</li>';
      }).join('') + '</ul>' + esc(B.t('fs.plan.total', { n: plan.total.limit_working_days,
        category: B.t('category.' + plan.total.investment_category), day: plan.total.due })) + mark(plan.total) + '</div>';
  }

  function rescreen(item, feedback) {
    return B.api('/proposals/' + item.id + '/rescreen', { method: 'POST' }).then(function () {
      B.showMessage(feedback, 'success', B.escapeHtml(B.t('ndrc.rescreened')));
      state.feedback[item.id] = feedback.innerHTML;
      return load(B.session.user);
    }, function (error) {
      B.showMessage(feedback, 'danger', refusalHtml(error));
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

  /** 批准赋码 assigns an irrevocable code: first show what is about to be coded, and where. */
  function confirmApproval(item, feedback) {
    feedback.innerHTML = '<div class="alert alert-primary py-2 mb-1 approve-confirmation" role="alertdialog">' +
      '<div class="fw-bold">' + B.escapeHtml(B.t('ndrc.confirm_title')) + '</div>' +
      '<div class="small">' + B.escapeHtml(B.t('ndrc.confirm_text')) + '</div>' +
      '<table class="table table-sm mb-1 confirm-facts"><tr><th>' + B.escapeHtml(B.t('proposal.name')) + '</th><td>' +
      B.escapeHtml(item.name) + '</td></tr><tr><th>' + B.escapeHtml(B.t('ndrc.filter_district')) + '</th><td>' +
      B.escapeHtml(districtName(item)) + ' (' + B.escapeHtml(item.district_code) + ')</td></tr><tr><th>' +
      B.escapeHtml(B.t('proposal.applicant')) + '</th><td>' + B.escapeHtml(item.applicant_organisation) + '</td></tr></table>' +
      conditionsHtml(item, true) + '<div class="d-flex gap-1"></div></div>';
    var bar = feedback.querySelector('.d-flex');
    bar.appendChild(button(B.t('ndrc.confirm'), 'success', function () { act(item, 'approve', null, feedback); },
      'confirm-approve'));
    bar.appendChild(button(B.t('ndrc.cancel'), 'outline-secondary', function () {
      feedback.innerHTML = '';
      delete state.feedback[item.id];
    }, 'cancel-approve'));
    bar.querySelector('[data-action=confirm-approve]').focus();
  }

  function askReturnReason(item, feedback) {
    feedback.innerHTML = '<form class="return-form d-flex gap-1" novalidate><input class="form-control form-control-sm" ' +
      'name="reason" maxlength="4000" placeholder="' + B.escapeHtml(B.t('action.reason')) + '" aria-label="' +
      B.escapeHtml(B.t('action.reason')) + '"><button class="btn btn-sm btn-danger" type="submit">' +
      B.escapeHtml(B.t('ndrc.confirm_return')) + '</button></form><div class="return-message"></div>';
    var form = feedback.querySelector('form');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!form.elements.reason.value.trim()) {
        B.showMessage(feedback.querySelector('.return-message'), 'warning', B.escapeHtml(B.t('ndrc.reason_needed')));
        return;
      }
      act(item, 'return', form.elements.reason.value, feedback);
    });
    form.elements.reason.focus();
  }

  /** The NDRC's actions legal in the proposal's state; approval only when eligible; other roles see none. */
  function actionsCell(item, feedback, cell) {
    var user = B.session.user;
    var legal = user && (user.role === 'ndrc' || user.role === 'admin') ? item.legal_actions : [];
    if (legal.indexOf('start_review') >= 0) {
      cell.appendChild(button(B.t('action.start_review'), 'outline-primary',
        function () { act(item, 'start_review', null, feedback); }, 'start_review'));
    }
    if (legal.indexOf('approve') >= 0 && item.eligible) {
      cell.appendChild(button(B.t('action.approve'), 'success', function () { confirmApproval(item, feedback); },
        'approve'));
    }
    if (legal.indexOf('return') >= 0) {
      cell.appendChild(button(B.t('action.return'), 'outline-danger', function () { askReturnReason(item, feedback); },
        'return'));
    }
  }

  function addRow(item) {
    var layer = state.layers[item.id];
    var row = document.createElement('tr');
    row.setAttribute('data-proposal-id', item.id);
    row.className = item.eligible ? 'row-eligible' : '';
    row.innerHTML = '<td><span class="status-dot status-' + B.siteStatus(item) + '"></span><a href="/proposals/' +
      item.id + '/review?lang=' + lang + '">' + B.escapeHtml(item.name) + '</a><div class="small text-muted">' +
      B.escapeHtml(item.applicant_organisation) + ' · ' + B.escapeHtml(districtName(item)) + '</div></td>' +
      '<td class="state-cell">' + stateCell(item) + '</td>' +
      '<td class="text-nowrap">' + B.conflictBadges(item.conflicts || {}) + '</td>' +
      '<td>' + opinionsCell(item) + conditionsHtml(item) + blockersHtml(item) + '</td>' +
      '<td class="project-code">' + (item.project_code ? codeLink(item.project_code) : '–') + '</td>' +
      '<td class="actions text-nowrap"></td>';
    var feedbackRow = document.createElement('tr');
    feedbackRow.className = 'feedback-row';
    feedbackRow.innerHTML = '<td colspan="6"><div class="action-feedback"></div></td>';
    var feedback = feedbackRow.querySelector('.action-feedback');
    feedback.innerHTML = state.feedback[item.id] || '';
    actionsCell(item, feedback, row.querySelector('.actions'));
    B.zoomsToSite(row, layer);
    rows.appendChild(row);
    rows.appendChild(feedbackRow);
  }

  function longestWait(item) {
    return item.outstanding.reduce(function (most, waiting) { return Math.max(most, waiting.waiting_days); }, -1);
  }

  var SORTS = {
    newest: function (a, b) { return b.id - a.id; },
    waiting: function (a, b) { return longestWait(b) - longestWait(a) || a.id - b.id; },
    conflicts: function (a, b) { return (b.conflicts.blocking_count || 0) - (a.conflicts.blocking_count || 0) || b.id - a.id; },
    name: function (a, b) { return a.name.localeCompare(b.name, lang === 'zh' ? 'zh-CN' : 'en'); }
  };

  function matches(item, chosen) {
    var words = chosen.search.trim().toLowerCase();
    var haystack = [item.name, item.applicant_organisation, item.project_code || '', districtName(item)].join(' ').toLowerCase();
    return (!chosen.state || item.state === chosen.state) &&
      (!chosen.district || item.district_code === chosen.district) &&
      (!chosen.eligible || (chosen.eligible === 'yes') === item.eligible) &&
      (!chosen.waiting || item.outstanding.some(function (w) { return w.department === chosen.waiting; })) &&
      (!words || haystack.indexOf(words) >= 0);
  }

  function render() {
    var chosen = {};
    ['search', 'state', 'district', 'eligible', 'waiting', 'sort'].forEach(function (name) {
      chosen[name] = filters.elements[name].value;
    });
    var shown = state.items.filter(function (item) { return matches(item, chosen); }).sort(SORTS[chosen.sort]);
    rows.innerHTML = '';
    sites.clearLayers();
    shown.forEach(function (item) {
      if (state.layers[item.id]) { state.layers[item.id].addTo(sites); }
      addRow(item);
    });
    document.getElementById('ndrc-count').textContent = B.t('ndrc.count', { n: shown.length });
  }

  function fillOptions(select, options) {
    var current = select.value;
    select.querySelectorAll('option:not([value=""])').forEach(function (option) { option.remove(); });
    options.forEach(function (entry) {
      var option = document.createElement('option');
      option.value = entry[0];
      option.textContent = entry[1];
      select.appendChild(option);
    });
    select.value = options.some(function (entry) { return entry[0] === current; }) ? current : '';
  }

  function fillFilters() {
    var districts = {};
    var departments = {};
    state.items.forEach(function (item) {
      districts[item.district_code] = districtName(item);
      item.outstanding.forEach(function (waiting) { departments[waiting.department] = B.t('department.' + waiting.department); });
    });
    fillOptions(filters.elements.district, Object.keys(districts).sort().map(function (code) { return [code, districts[code]]; }));
    fillOptions(filters.elements.waiting, Object.keys(departments).sort().map(function (slug) { return [slug, departments[slug]]; }));
  }

  /** The rows of ``items`` and their sites on the map. */
  function show(items) {
    state.items = items;
    state.layers = {};
    items.forEach(function (item) { state.layers[item.id] = B.proposalLayer(item, { marker: true }); });
    fillFilters();
    render();
    table.classList.remove('d-none');
    filters.classList.remove('d-none');
    message.innerHTML = items.length ? '' : '<div class="alert alert-light py-2">' + B.escapeHtml(B.t('proposal.none')) + '</div>';
  }

  /** (Re)load the proposals; the filters and the feedback of an action are kept. */
  function load(user) {
    if (!user) {
      rows.innerHTML = '';
      sites.clearLayers();
      state = { items: [], layers: {}, feedback: {} };
      table.classList.add('d-none');
      filters.classList.add('d-none');
      B.showMessage(message, 'secondary', B.escapeHtml(B.t('login.needed')));
      return Promise.resolve();
    }
    if (!state.items.length) { B.showMessage(message, 'light', B.escapeHtml(B.t('proposal.loading'))); }
    return B.api('/proposals').then(show).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.t('error.generic') + error.message));
    });
  }

  // 'input' only: a search box's 'change' fires on blur, and re-rendering then would swallow the click
  // that blurred it (on an approve button, say)
  filters.addEventListener('input', render);
  filters.addEventListener('submit', function (event) { event.preventDefault(); });
  B.watchSiteMarkers();
  B.session.onChange(function (user) { load(user); });
})();
