/*
 * 建设条件 (building conditions) on the review page: every condition of the proposal with the department
 * responsible for it where the site lies (full name and level), what was recorded or that it is still
 * missing. A department fills the conditions it is responsible for in the page (POST
 * /api/v1/proposals/{id}/conditions); the NDRC sees them all before deciding. The server decides who may
 * record what: a refusal is shown as the API wrote it, in the page's language.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var cfg = B.config;
  var path = '/proposals/' + cfg.proposalId + '/conditions';
  var list = document.getElementById('condition-list');
  var missing = document.getElementById('conditions-missing');
  var message = document.getElementById('condition-message');
  var desk = document.getElementById('desk-department');
  var OPEN_STATES = ['submitted', 'under_review'];
  var STATUSES = ['met', 'pending', 'not_met'];
  var STATUS_CLASSES = { met: 'text-bg-success', pending: 'text-bg-secondary', not_met: 'text-bg-danger' };
  var FUNDING = ['fiscal', 'special_bond', 'self_raised', 'bank_loan', 'social_capital', 'foreign', 'mixed'];
  var proposalState = null;

  function esc(text) { return B.escapeHtml(text === null || text === undefined ? '' : String(text)); }

  /** A department as the page names it: its full name and its level (市级 / 区级 / 镇街). */
  function departmentName(summary) {
    return summary[cfg.lang] + (summary.level ? ' · ' + B.t('level.' + summary.level) : '');
  }

  function mine(user, condition) {
    var slug = condition.responsible.department;
    return !!user && ((user.role === 'department' && user.department === slug) ||
      (user.role === 'ndrc' && slug === 'ndrc'));
  }

  function recordedHtml(recorded) {
    if (!recorded) {
      return '<span class="badge text-bg-warning condition-missing">' + esc(B.t('cond.missing')) + '</span>';
    }
    var value = '';
    if (recorded.area) { value = B.formatArea(recorded.area.m2); }
    if (recorded.entity_name) { value = recorded.entity_name + ' (' + recorded.entity_credit_code + ')'; }
    if (recorded.funding_source) { value = B.t('funding.' + recorded.funding_source); }
    return '<span class="badge condition-status ' + STATUS_CLASSES[recorded.status] + '" data-status="' +
      esc(recorded.status) + '">' +
      esc(B.t('cond.status.' + recorded.status)) + '</span> ' + esc(value) +
      (recorded.note ? '<div class="condition-note">' + esc(recorded.note) + '</div>' : '') +
      '<div class="small text-muted">' + esc(B.t('cond.recorded_by')) + ' ' + esc(recorded.author) + ' · ' +
      esc(recorded.created_at.slice(0, 10)) + '</div>';
  }

  function field(id, label, control) {
    return '<div class="mb-1"><label class="form-label small mb-0" for="' + id + '">' + esc(B.t(label)) +
      '</label>' + control + '</div>';
  }

  function options(values, prefix, chosen) {
    return values.map(function (value) {
      return '<option value="' + esc(value) + '"' + (value === chosen ? ' selected' : '') + '>' +
        esc(B.t(prefix + value)) + '</option>';
    }).join('');
  }

  /** The fields a condition of this kind needs, filled with what is in force. */
  function formHtml(condition) {
    var key = condition.condition;
    var now = condition.recorded || {};
    var id = 'cond-' + key;
    var html = field(id + '-status', 'cond.status', '<select class="form-select form-select-sm" id="' + id +
      '-status" name="status">' + options(STATUSES, 'cond.status.', now.status || 'met') + '</select>');
    if (key === 'land_quota') {
      html += field(id + '-area', 'cond.area', '<input class="form-control form-control-sm" type="number" min="0.01" ' +
        'step="0.01" id="' + id + '-area" name="area_m2" value="' + esc(now.area ? now.area.m2 : '') + '">') +
        '<div class="small text-muted area-in-mu" aria-live="polite"></div>';
    } else if (key === 'investing_entity') {
      html += field(id + '-entity', 'cond.entity_name', '<input class="form-control form-control-sm" maxlength="200" ' +
        'id="' + id + '-entity" name="entity_name" value="' + esc(now.entity_name) + '">') +
        field(id + '-code', 'cond.entity_code', '<input class="form-control form-control-sm" maxlength="18" ' +
        'id="' + id + '-code" name="entity_credit_code" value="' + esc(now.entity_credit_code) + '">');
    } else if (key === 'funding_source') {
      html += field(id + '-funding', 'cond.funding', '<select class="form-select form-select-sm" id="' + id +
        '-funding" name="funding_source">' + options(FUNDING, 'funding.', now.funding_source) + '</select>');
    }
    html += field(id + '-note', key === 'land_quota' || key === 'investing_entity' || key === 'funding_source' ?
      'cond.remark' : 'cond.note', '<textarea class="form-control form-control-sm" rows="2" maxlength="4000" id="' + id +
      '-note" name="note">' + esc(now.note) + '</textarea>');
    return '<form class="condition-form mt-1" data-condition="' + esc(key) + '" novalidate>' + html +
      '<button class="btn btn-sm btn-primary" type="submit">' + esc(B.t('cond.save')) + '</button></form>';
  }

  function bodyOf(form) {
    var body = { condition: form.getAttribute('data-condition') };
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name) { body[element.name] = element.value.trim() === '' ? null : element.value.trim(); }
    });
    return body;
  }

  function wire(form) {
    var area = form.elements.area_m2;
    if (area) {
      var mu = form.querySelector('.area-in-mu');
      var show = function () { mu.textContent = area.value > 0 ? B.formatArea(Number(area.value)) : ''; };
      area.addEventListener('input', show);
      show();
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      message.innerHTML = '';
      B.api(path, { method: 'POST', body: bodyOf(form) }).then(function (answer) {
        render(B.session.user, answer);
        B.showMessage(message, 'success', esc(B.t('cond.saved')));
      }, function (error) {
        B.showMessage(message, error.status === 409 || error.status === 422 ? 'warning' : 'danger',
          esc(B.problemText(error)));
      });
    });
  }

  function render(user, answer) {
    var open = OPEN_STATES.indexOf(proposalState) >= 0;
    missing.innerHTML = answer.missing.length ?
      '<div class="alert alert-warning py-1 px-2 mb-1 conditions-missing">' + esc(B.t('cond.missing_list')) + ' ' +
        answer.missing_names.map(function (entry) {
          return esc(entry[cfg.lang]) + ' (' + esc(entry['responsible_' + cfg.lang]) + ')';
        }).join(B.t('cond.separator')) + '</div>' :
      '<div class="alert alert-success py-1 px-2 mb-1">' + esc(B.t('cond.none_missing')) + '</div>';
    list.innerHTML = '';
    answer.conditions.forEach(function (condition) {
      var li = document.createElement('li');
      li.className = 'condition-item border-bottom py-1';
      li.setAttribute('data-condition', condition.condition);
      li.innerHTML = '<div class="fw-bold">' + esc(B.t('condition.' + condition.condition)) + '</div>' +
        '<div class="small">' + B.labelled('cond.responsible') + esc(departmentName(condition.responsible)) + '</div>' +
        '<div class="condition-recorded">' + recordedHtml(condition.recorded) + '</div>';
      if (open && mine(user, condition)) {
        li.classList.add('condition-mine');
        li.insertAdjacentHTML('beforeend', formHtml(condition));
        wire(li.querySelector('form'));
      }
      list.appendChild(li);
    });
  }

  function load(user) {
    desk.textContent = user && user.role === 'department' && user.department ?
      B.t('desk.acting_as') + ' ' + B.t('department.' + user.department) + ' · ' + B.t('deptlevel.' + user.department) : '';
    list.innerHTML = '';
    missing.innerHTML = '';
    if (!user) { return; }
    B.api('/proposals/' + cfg.proposalId).then(function (detail) {
      proposalState = detail.state;
      render(user, detail.building_conditions);
    }).catch(function (error) {
      B.showMessage(message, 'danger', esc(B.problemText(error)));
    });
  }

  B.session.onChange(load);
})();
