/*
 * 一口受理 (/windows). A window account accepts an application for another department's approval item
 * (POST /api/v1/windows/acceptances), uploads its files, forwards it to the responsible department and records
 * the free mailing of the paper materials; its work list (GET /windows/work-list) shows where each stands with
 * the item's clock. A department (or the NDRC) sees what the windows accepted for it (GET /windows/incoming),
 * with each window's name, and confirms receipt. Every refusal is the API's problem, shown next to its form.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var english = B.config.lang === 'en';
  var message = document.getElementById('win-message');
  var acceptSection = document.getElementById('win-accept');
  var acceptForm = document.getElementById('win-accept-form');
  var listSection = document.getElementById('win-list-section');
  var list = document.getElementById('win-list');
  var role = null;
  var today = null;

  function esc(value) { return B.escapeHtml(value); }
  function named(thing) { return english ? thing.en : thing.zh; }
  function departmentName(slug) { return B.t('department.' + slug); }

  function field(id, label, control) {
    return '<div><label class="form-label" for="' + id + '">' + esc(B.t(label)) + '</label>' + control + '</div>';
  }

  function dateInput(id, name) {
    return '<input class="form-control form-control-sm" type="date" id="' + id + '" name="' + name +
      '" required value="' + esc(today) + '">';
  }

  function clockText(clock) {
    var text = B.t('win.clock', { limit: clock.limit_working_days, used: clock.used_working_days, due: clock.due });
    var extra = {
      overdue: B.t('win.overdue_days', { n: clock.overdue_working_days }),
      due_soon: B.t('win.remaining_days', { n: clock.remaining_working_days }),
      running: B.t('win.remaining_days', { n: clock.remaining_working_days }),
      suspended: B.t('win.suspended'), on_time: B.t('win.on_time'), late: B.t('win.late')
    }[clock.status];
    return '<span class="win-clock-' + esc(clock.status) + '">' + esc(text + (extra ? ' · ' + extra : '')) +
      (clock.provisional ? ' · ' + esc(B.t('win.provisional')) : '') + '</span>';
  }

  function materials(entry) {
    if (!entry.materials.length) { return '<p class="win-meta">' + esc(B.t('win.no_materials')) + '</p>'; }
    return '<ul class="win-files" aria-label="' + esc(B.t('win.materials')) + '">' + entry.materials.map(function (m) {
      return '<li><a href="' + esc(m.url) + '" download>' + esc(m.filename) + '</a></li>';
    }).join('') + '</ul>';
  }

  function mailText(entry) {
    if (!entry.mail) { return esc(B.t('win.no_mail')); }
    return esc(B.t('win.mailed', { number: entry.mail.tracking_number, day: entry.mail.sent_on })) + ' · ' +
      esc(entry.mail.received_on ? B.t('win.mail_received', { day: entry.mail.received_on }) : B.t('win.mail_waiting'));
  }

  function actionForm(entry, action, fields, button) {
    return '<form data-action="' + action + '" data-id="' + entry.id + '" novalidate>' + fields +
      '<div><button class="btn btn-sm btn-outline-primary" type="submit">' + esc(B.t(button)) + '</button></div></form>';
  }

  function windowActions(entry) {
    var id = entry.id;
    var forms = [];
    if (!entry.forwarded_on) {
      forms.push(actionForm(entry, 'upload', field('win-file-' + id, 'win.file',
        '<input class="form-control form-control-sm" type="file" id="win-file-' + id + '" name="file" required ' +
        'accept=".pdf,.ofd,.jpg,.jpeg,.png,application/pdf,application/ofd,image/jpeg,image/png">'), 'win.upload'));
      var options = B.config.departments.map(function (slug) {
        return '<option value="' + esc(slug) + '"' + (slug === entry.department ? ' selected' : '') + '>' +
          esc(departmentName(slug)) + '</option>';
      }).join('');
      forms.push(actionForm(entry, 'forward',
        field('win-to-' + id, 'win.forward_to', '<select class="form-select form-select-sm" id="win-to-' + id +
          '" name="department">' + options + '</select>') +
        field('win-fwd-' + id, 'win.forwarded_on', dateInput('win-fwd-' + id, 'forwarded_on')), 'win.forward'));
    }
    if (!entry.mail) {
      forms.push(actionForm(entry, 'mail',
        field('win-track-' + id, 'win.tracking', '<input class="form-control form-control-sm" id="win-track-' + id +
          '" name="tracking_number" required maxlength="40" autocomplete="off" inputmode="latin">') +
        field('win-sent-' + id, 'win.sent_on', dateInput('win-sent-' + id, 'sent_on')), 'win.send'));
    }
    return forms;
  }

  function departmentActions(entry) {
    var id = entry.id;
    var forms = [];
    if (entry.forwarded_on && !entry.received_on) {
      forms.push(actionForm(entry, 'receive',
        field('win-recv-' + id, 'win.received_on', dateInput('win-recv-' + id, 'received_on')), 'win.receive'));
    }
    if (entry.mail && !entry.mail.received_on) {
      forms.push(actionForm(entry, 'receive-mail',
        field('win-mrecv-' + id, 'win.received_on', dateInput('win-mrecv-' + id, 'received_on')), 'win.receive_mail'));
    }
    return forms;
  }

  /** The code, linked to the project's supervision page for those who may read it (not a window). */
  function projectCode(code) {
    if (role === 'window') { return '<span class="project-code">' + esc(code) + '</span>'; }
    return '<a href="/supervision/projects/' + encodeURIComponent(code) + '?lang=' + B.config.lang + '">' +
      esc(code) + '</a>';
  }

  function item(entry) {
    var li = document.createElement('li');
    li.className = 'win-entry';
    li.setAttribute('data-acceptance-id', entry.id);
    var forwarding = entry.forwarded_on ?
      B.t('win.forwarded', { day: entry.forwarded_on, department: departmentName(entry.forwarded_to) }) +
        (entry.received_on ? ' · ' + B.t('win.received', { day: entry.received_on }) : '') : '';
    var forms = role === 'window' ? windowActions(entry) : departmentActions(entry);
    // The heading is the item, in the page's language; the project's name is data and stays as it was given.
    li.innerHTML =
      '<div class="d-flex justify-content-between gap-2 flex-wrap"><h3>' + esc(named(entry)) + '</h3>' +
      '<span class="win-status win-status-' + esc(entry.status) + '">' + esc(B.t('win.status.' + entry.status)) +
      '</span></div>' +
      '<p class="win-project">' + esc(entry.project_name) + ' · ' + projectCode(entry.project_code) + '</p>' +
      '<p class="win-meta">' + B.labelled('win.responsible') + esc(departmentName(entry.department)) + ' · ' +
      B.labelled('win.window') + esc(named(entry.window)) + '</p>' +
      '<p class="win-meta">' + B.labelled('win.accepted_on') + esc(entry.accepted_on) + ' · ' +
      B.labelled('win.accepted_by') + esc(entry.accepted_by) +
      (entry.applicant_contact ? ' · ' + B.labelled('win.contact') + esc(entry.applicant_contact) : '') + '</p>' +
      '<p class="win-meta">' + clockText(entry.clock) + '</p>' +
      materials(entry) +
      (forwarding ? '<p class="win-meta">' + esc(forwarding) + '</p>' : '') +
      '<p class="win-meta">' + B.labelled('win.mail') + mailText(entry) + '</p>' +
      (forms.length ? '<div class="win-actions">' + forms.join('') + '</div>' : '') +
      '<div class="text-danger small" role="alert" data-error></div>';
    return li;
  }

  function show(listing, title) {
    today = listing.as_of;
    document.getElementById('win-list-title').textContent = B.t(title);
    list.innerHTML = '';
    listSection.hidden = false;
    if (!listing.acceptances.length) {
      list.innerHTML = '<li class="alert alert-light py-2">' + esc(B.t('win.none')) + '</li>';
    }
    listing.acceptances.forEach(function (entry) { list.appendChild(item(entry)); });
  }

  function refresh() {
    if (role === 'window') {
      return B.api('/windows/work-list').then(function (listing) {
        document.getElementById('win-desk').textContent = named(listing.window);
        if (!acceptForm.elements.accepted_on.value) { acceptForm.elements.accepted_on.value = listing.as_of; }
        acceptSection.hidden = false;
        show(listing, 'win.work_list');
      });
    }
    return B.api('/windows/incoming').then(function (listing) { show(listing, 'win.incoming'); });
  }

  function fillItemTypes() {
    return B.api('/supervision/stages').then(function (catalogue) {
      var select = acceptForm.elements.item_type;
      select.innerHTML = catalogue.stages.map(function (stage) {
        return '<optgroup label="' + esc(named(stage)) + '">' + stage.item_types.map(function (type) {
          return '<option value="' + esc(type.item_type) + '">' + esc(named(type)) + ' · ' +
            esc(departmentName(type.department)) + '</option>';
        }).join('') + '</optgroup>';
      }).join('');
    });
  }

  function load(user) {
    list.innerHTML = '';
    listSection.hidden = true;
    acceptSection.hidden = true;
    role = user ? user.role : null;
    if (!user) { B.showMessage(message, 'secondary', esc(B.t('login.needed'))); return; }
    if (['window', 'department', 'ndrc', 'admin'].indexOf(role) < 0) {
      B.showMessage(message, 'secondary', esc(B.t('win.need_role')));
      return;
    }
    B.showMessage(message, 'light', esc(B.t('proposal.loading')));
    (role === 'window' ? fillItemTypes() : Promise.resolve()).then(refresh).then(function () {
      message.innerHTML = '';
    }).catch(function (error) {
      B.showMessage(message, 'danger', esc(B.problemText(error)));
    });
  }

  acceptForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var error = document.getElementById('win-accept-error');
    var button = document.getElementById('win-accept-submit');
    var values = acceptForm.elements;
    error.textContent = '';
    button.disabled = true;
    B.api('/windows/acceptances', { method: 'POST', body: {
      project_code: values.project_code.value.trim(), item_type: values.item_type.value,
      accepted_on: values.accepted_on.value, applicant_contact: values.applicant_contact.value.trim() || null,
      note: values.note.value.trim() || null
    } }).then(function () {
      values.project_code.value = '';
      values.applicant_contact.value = '';
      values.note.value = '';
      return refresh();
    }).catch(function (problem) { error.textContent = B.problemText(problem); })
      .then(function () { button.disabled = false; });
  });

  function request(form) {
    var id = form.getAttribute('data-id');
    var base = '/windows/acceptances/' + id;
    var values = form.elements;
    switch (form.getAttribute('data-action')) {
      case 'upload':
        var data = new FormData();
        if (values.file.files.length) { data.append('file', values.file.files[0]); }
        return B.api(base + '/materials', { method: 'POST', body: data });
      case 'forward':
        return B.api(base + '/forwarding', { method: 'POST', body: {
          department: values.department.value, forwarded_on: values.forwarded_on.value } });
      case 'mail':
        return B.api(base + '/mailing', { method: 'PUT', body: {
          tracking_number: values.tracking_number.value, sent_on: values.sent_on.value } });
      case 'receive':
        return B.api(base + '/receipt', { method: 'POST', body: { received_on: values.received_on.value } });
      default:
        return B.api(base + '/mailing/receipt', { method: 'POST', body: { received_on: values.received_on.value } });
    }
  }

  list.addEventListener('submit', function (event) {
    var form = event.target.closest('form[data-action]');
    if (!form) { return; }
    event.preventDefault();
    var error = form.closest('.win-entry').querySelector('[data-error]');
    error.textContent = '';
    Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) { b.disabled = true; });
    request(form).then(refresh).catch(function (problem) {
      error.textContent = B.problemText(problem);
      Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) { b.disabled = false; });
    });
  });

  B.session.onChange(load);
})();
