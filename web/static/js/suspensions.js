/*
 * A coded project's page: the responsible department stops an open item's clock on a legal ground
 * (暂停计时, 行政许可法 第四十五条 / 第三十二条 补正) and resumes it.
 *
 * Drawn from the approvals dashboard.js has just loaded (the 'sv:approvals' event); only items the API marks
 * ``may_act`` get a form. The forms leave every check to the API (no browser validation bubbles, which would
 * speak the browser's language): a refusal is shown under the form in the page's language, on its field.
 */
(function () {
  'use strict';

  var B = window.Blueprint;
  var config = B.config;
  var t = B.t;
  var esc = B.escapeHtml;
  var grounds = null;

  function loadGrounds() {
    if (!grounds) { grounds = B.api('/supervision/suspension-grounds'); }
    return grounds;
  }

  function groundName(ground) { return config.lang === 'en' ? ground.en : ground.zh; }

  function field(id, labelKey, control) {
    return '<div class="sv-clock-field"><label class="form-label small mb-0" for="' + id + '">' + esc(t(labelKey)) +
      '</label>' + control + '</div>';
  }

  function dateInput(id, name, value, min, max) {
    return '<input class="form-control form-control-sm" type="date" id="' + id + '" name="' + name + '" value="' +
      esc(value) + '" min="' + esc(min) + '" max="' + esc(max) + '">';
  }

  function suspendForm(item, today, choices) {
    var id = 'clock-' + item.id;
    var options = '<option value="">' + esc(t('clocks.choose_ground')) + '</option>' + choices.map(function (g) {
      return '<option value="' + esc(g.key) + '" title="' + esc(config.lang === 'en' ? g.article_en : g.article_zh) + '">' +
        esc(groundName(g)) + '</option>';
    }).join('');
    return '<form class="sv-clock-form" data-action="suspension" data-item="' + item.id + '" novalidate>' +
      field(id + '-ground', 'clocks.ground', '<select class="form-select form-select-sm" id="' + id + '-ground" name="ground">' +
        options + '</select>') +
      field(id + '-suspended_on', 'clocks.suspended_on', dateInput(id + '-suspended_on', 'suspended_on', today,
        item.accepted_on, today)) +
      field(id + '-reason', 'clocks.reason', '<input class="form-control form-control-sm" id="' + id + '-reason" ' +
        'name="reason" maxlength="2000" placeholder="' + esc(t('clocks.reason_hint')) + '">') +
      '<button class="btn btn-sm btn-outline-secondary" type="submit">' + esc(t('clocks.suspend')) + '</button></form>';
  }

  function resumeForm(item, lasting, today) {
    var id = 'clock-' + item.id;
    return '<p class="small mb-1">' + esc(t('clocks.stopped_since', { day: lasting.suspended_on,
      ground: groundName(lasting) })) + '</p>' +
      '<form class="sv-clock-form" data-action="resumption" data-item="' + item.id + '" novalidate>' +
      field(id + '-resumed_on', 'clocks.resumed_on', dateInput(id + '-resumed_on', 'resumed_on', today,
        lasting.suspended_on, today)) +
      '<button class="btn btn-sm btn-primary" type="submit">' + esc(t('clocks.resume')) + '</button></form>';
  }

  function draw(detail) {
    var section = document.getElementById('item-clocks');
    var box = document.getElementById('item-clock-forms');
    var approvals = detail.approvals, today = approvals.as_of;
    var open = [];
    approvals.stages.forEach(function (stage) {
      stage.items.forEach(function (item) { if (item.may_act) { open.push(item); } });
    });
    section.classList.toggle('d-none', !open.length);
    if (!open.length) { return; }
    loadGrounds().then(function (all) {
      var choices = all.filter(function (g) { return g.selectable; });
      box.innerHTML = '<div class="sv-clock-status" id="item-clock-status" role="status" aria-live="polite">' +
        (box.dataset.done ? '<div class="alert alert-success py-1 px-2 small mb-2">' + esc(box.dataset.done) + '</div>' : '') +
        '</div>' + open.map(function (item) {
          var lasting = item.suspensions.filter(function (s) { return !s.resumed_on; })[0];
          return '<article class="sv-clock-item" data-item="' + item.id + '"><h4 class="sv-clock-name">' +
            esc(t('item.' + item.item_type)) + ' · ' + esc(t('sv.due')) + ' ' + esc(item.clock.due) +
            (item.clock.provisional ? ' · ' + esc(t('sv.provisional')) : '') + '</h4>' +
            (lasting ? resumeForm(item, lasting, today) : suspendForm(item, today, choices)) +
            '<div class="sv-clock-problem small" id="clock-' + item.id + '-problem"></div></article>';
        }).join('');
      delete box.dataset.done;
      box.querySelectorAll('form.sv-clock-form').forEach(function (form) {
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          submit(form, detail.reload);
        });
      });
    }).catch(function (error) {
      box.innerHTML = '<div class="alert alert-danger py-2">' + esc(B.problemText(error)) + '</div>';
    });
  }

  /** Send a form's fields; a refusal goes under the form and onto its field, a success reloads the page's data. */
  function submit(form, reload) {
    var item = form.dataset.item, problem = document.getElementById('clock-' + item + '-problem');
    var body = {};
    form.querySelectorAll('[name]').forEach(function (input) {
      input.classList.remove('is-invalid');
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      body[input.name] = input.value.trim() || null;
    });
    problem.innerHTML = '';
    var button = form.querySelector('button');
    button.disabled = true;
    B.api('/supervision/items/' + item + '/' + form.dataset.action, { method: 'POST', body: body }).then(function (answer) {
      document.getElementById('item-clock-forms').dataset.done = form.dataset.action === 'suspension'
        ? t('clocks.suspended_done') : t('clocks.resumed_done', { due: answer.clock.due });
      reload();
    }).catch(function (error) {
      button.disabled = false;
      problem.innerHTML = '<div class="alert alert-danger py-1 px-2 mb-0">' + esc(B.problemText(error)) + '</div>';
      var wrong = B.problemFields(error).map(function (name) { return form.querySelector('[name="' + name + '"]'); })
        .filter(Boolean);
      wrong.forEach(function (input) {
        input.classList.add('is-invalid');
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', problem.id);
      });
      if (wrong.length) { wrong[0].focus(); }
    });
  }

  document.addEventListener('sv:approvals', function (event) { draw(event.detail); });
  B.session.onChange(function (user) {
    if (!user) { document.getElementById('item-clocks').classList.add('d-none'); }
  });
})();
