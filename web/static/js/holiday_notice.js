/*
 * 节假日安排: the years the working-day calendar knows (GET /api/v1/supervision/calendar) and the form an admin
 * enters a year's State Council holiday notice with (PUT /api/v1/supervision/calendar/{year}).
 *
 * Every check is the API's: the form sends what was typed and shows the problem it answers, in the page's
 * language, on the field it names (``holidays.2.date`` is the third day off's date; ``holidays`` the whole
 * list). Nothing is checked here that the API would not say in the same words.
 */
(function () {
  'use strict';

  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;
  var rows = 0;  // ids for the rows' inputs, never reused

  function sourceName(source) { return t('calendar.source.' + (source || 'none')); }

  function loadStatus() {
    B.api('/supervision/calendar').then(function (status) {
      var pkg = status.package;
      document.getElementById('calendar-years').innerHTML =
        '<tr><td>' + pkg.first_year + '–' + pkg.last_year + '</td><td>' + esc(sourceName('chinese_calendar')) + '</td></tr>' +
        status.years.map(function (y) {
          return '<tr data-year="' + y.year + '" data-source="' + esc(y.source || 'none') + '"><td>' + y.year + '</td><td>' +
            esc(sourceName(y.source)) + '</td></tr>';
        }).join('');
      document.getElementById('calendar-notices').innerHTML = status.notices.map(function (n) {
        return '<tr data-year="' + n.year + '"><td>' + n.year + '</td><td>' + esc(n.title) +
          (n.document_number ? '<br><span class="text-muted">' + esc(n.document_number) + '</span>' : '') + '</td><td>' +
          n.holiday_count + ' / ' + n.workday_count + '</td><td>' + esc(n.entered_by || '—') + '</td></tr>';
      }).join('') || '<tr><td colspan="4" class="text-muted">' + esc(t('sv.none')) + '</td></tr>';
    }).catch(function (error) {
      B.showMessage(document.getElementById('notice-message'), 'danger', esc(B.problemText(error)));
    });
  }

  function dayField(id, path, labelKey, type) {
    return '<div class="cal-field"><label class="form-label small mb-0" for="' + id + '">' + esc(t(labelKey)) + '</label>' +
      '<input class="form-control form-control-sm" id="' + id + '" data-path="' + path + '" type="' + type + '"' +
      (type === 'text' ? ' maxlength="60"' : '') + '></div>';
  }

  /** One more day off (date and holiday name) or make-up working day (date), with its remove button. */
  function addRow(list) {
    rows += 1;
    var id = 'day-' + rows, holiday = list === 'holidays';
    var item = document.createElement('li');
    item.dataset.row = String(rows);
    item.innerHTML = dayField(id + '-date', 'date', 'calendar.holiday_date', 'date') +
      (holiday ? dayField(id + '-name', 'name', 'calendar.holiday_name', 'text') : '') +
      '<button class="btn btn-sm btn-outline-danger" type="button">' + esc(t('calendar.remove')) + '</button>';
    item.querySelector('button').addEventListener('click', function () { item.remove(); });
    document.getElementById(holiday ? 'holiday-rows' : 'workday-rows').appendChild(item);
    return item;
  }

  function value(name) { return document.querySelector('#notice-form [name="' + name + '"]').value.trim(); }

  /** The form as the API's NoticeIn; each row's inputs get their path in it (holidays.0.date …). */
  function notice() {
    var holidays = [], workdays = [];
    document.querySelectorAll('#holiday-rows li').forEach(function (row, i) {
      var date = row.querySelector('[data-path="date"]'), name = row.querySelector('[data-path="name"]');
      date.name = 'holidays.' + i + '.date';
      name.name = 'holidays.' + i + '.name';
      holidays.push({ date: date.value || null, name: name.value.trim() });
    });
    document.querySelectorAll('#workday-rows li').forEach(function (row, i) {
      var date = row.querySelector('[data-path="date"]');
      date.name = 'workdays.' + i;
      workdays.push(date.value || null);
    });
    return { title: value('title'), document_number: value('document_number') || null,
      published_on: value('published_on') || null, holidays: holidays, workdays: workdays };
  }

  function clearProblems(form) {
    form.querySelectorAll('.is-invalid').forEach(function (input) {
      input.classList.remove('is-invalid');
      input.removeAttribute('aria-invalid');
    });
    form.querySelectorAll('fieldset').forEach(function (set) { set.classList.remove('border-danger'); });
  }

  /** Mark what the problem names: an input by its path, or a whole list's fieldset. */
  function showProblem(form, error) {
    var message = document.getElementById('notice-message');
    B.showMessage(message, 'danger', esc(t('calendar.problem') + B.problemText(error)));
    var first = null;
    B.problemFields(error).forEach(function (path) {
      var input = form.querySelector('[name="' + path + '"]');
      if (input) {
        input.classList.add('is-invalid');
        input.setAttribute('aria-invalid', 'true');
        first = first || input;
        return;
      }
      var set = document.getElementById('notice-' + path.split('.')[0]);
      if (set) { set.classList.add('border-danger'); first = first || set.querySelector('input, button'); }
    });
    if (first) { first.focus(); }
  }

  function save(event) {
    event.preventDefault();
    var form = event.target, button = document.getElementById('notice-save');
    var body = notice();
    clearProblems(form);
    document.getElementById('notice-message').innerHTML = '';
    button.disabled = true;
    // A blank year still goes to the API (as a blank path segment), which answers what is wrong with it.
    B.api('/supervision/calendar/' + encodeURIComponent(value('year') || ' '), { method: 'PUT', body: body })
      .then(function (saved) {
        B.showMessage(document.getElementById('notice-message'), 'success', esc(t('calendar.saved', {
          year: saved.year, holidays: saved.holidays.length, workdays: saved.workdays.length }) +
          (saved.replaced ? ' ' + t('calendar.replaced') : '')));
        loadStatus();
      }).catch(function (error) { showProblem(form, error); })
      .then(function () { button.disabled = false; });
  }

  B.ready(function () {
    var form = document.getElementById('notice-form');
    document.getElementById('add-holiday').addEventListener('click', function () {
      addRow('holidays').querySelector('input').focus();
    });
    document.getElementById('add-workday').addEventListener('click', function () {
      addRow('workdays').querySelector('input').focus();
    });
    addRow('holidays');
    form.addEventListener('submit', save);
    loadStatus();
  });
})();
