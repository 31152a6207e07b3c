/*
 * 网上中介大厅 (the intermediary hall) and 中介服务委托 (commissions): read from /api/v1/hall/…, which decides who
 * sees and does what. The hall lists the providers by service type with filters, and lets an admin register
 * one; the commissions page lets a project unit post a commission, choose a provider or draw one (the seed
 * is shown), and rate the result, and a provider accept and deliver.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;
  var page = B.config.page;

  function typeName(key) { return t('hall.type.' + key); }
  function districtName(code) { return t('hall.district.' + code); }

  function alertBox(kind, text) {
    return '<div class="alert alert-' + kind + ' py-2 small mb-2">' + esc(text) + '</div>';
  }

  function sampleBadge(sample) {
    return sample ? ' <span class="badge text-bg-warning">' + esc(t('hall.sample')) + '</span>' : '';
  }

  function clockText(clock) {
    if (!clock) { return ''; }
    var words = t('hall.clock.' + clock.status) + ' · ' + t('hall.due') + ' ' + clock.due + ' · ' + t('hall.used') + ' ' +
      clock.used_working_days + '/' + clock.limit_working_days + ' ' + t('hall.working_days');
    if (clock.provisional) { words += ' · ' + t('hall.provisional'); }
    return words;
  }

  function clockClass(clock) {
    if (!clock) { return 'secondary'; }
    return { overdue: 'danger', late: 'danger', due_soon: 'warning' }[clock.status] || 'success';
  }

  // ---- the hall ----------------------------------------------------------------------------------

  function providerRow(provider, typeKey) {
    var type = provider.service_types.filter(function (s) { return s.key === typeKey; })[0];
    var quals = provider.qualifications.map(function (q) {
      return esc(t('hall.kind.' + q.kind)) + (q.grade ? ' ' + esc(q.grade) : '') + ' <code>' + esc(q.number) +
        '</code> ' + esc(t('hall.valid_until')) + ' ' + esc(q.valid_until) +
        (q.valid ? '' : ' <span class="badge text-bg-secondary">' + esc(t('hall.expired')) + '</span>');
    }).join('<br>');
    var status = type.eligible ? '<span class="badge text-bg-success">' + esc(t('hall.eligible')) + '</span>'
      : '<span class="badge text-bg-danger">' + esc(t('hall.not_eligible')) + '</span>' +
        '<div class="small text-muted">' + type.reasons.map(function (r) { return esc(r[B.config.lang]); }).join('；') + '</div>';
    var rating = provider.mean_rating === null ? '—' : provider.mean_rating + ' (' + provider.ratings + ')';
    return '<tr><td><strong>' + esc(provider.name) + '</strong>' + sampleBadge(provider.sample) +
      '<div class="small"><code>' + esc(provider.credit_code) + '</code></div></td><td>' +
      esc(districtName(provider.district_code)) + '</td><td class="small">' + quals + '</td><td>' + esc(rating) +
      '</td><td>' + status + '</td></tr>';
  }

  function showProviders(answer, onlyType) {
    var box = document.getElementById('hall-providers');
    var keys = onlyType ? [onlyType] : B.config.serviceTypes;
    var html = '';
    keys.forEach(function (key) {
      var offering = answer.providers.filter(function (p) {
        return p.service_types.some(function (s) { return s.key === key; });
      });
      var id = 'type-' + key;
      html += '<section class="hall-card" aria-labelledby="' + id + '"><h2 class="hall-card-title" id="' + id + '">' +
        esc(typeName(key)) + ' <span class="badge text-bg-light">' + offering.length + '</span></h2>';
      if (!offering.length) {
        html += '<p class="small text-muted mb-0">' + esc(t('hall.none')) + '</p></section>';
        return;
      }
      html += '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="' + id + '">' +
        '<table class="table table-sm align-middle small mb-0 stack-on-phone"><thead><tr><th>' +
        esc(t('hall.provider')) + '</th><th>' + esc(t('hall.district')) + '</th><th>' + esc(t('hall.qualification')) + '</th><th>' +
        esc(t('hall.rating')) + '</th><th>' + esc(t('hall.status')) + '</th></tr></thead><tbody>' +
        offering.map(function (p) { return providerRow(p, key); }).join('') + '</tbody></table></div></section>';
    });
    box.innerHTML = html;
  }

  function loadProviders() {
    var form = document.getElementById('hall-filters');
    var type = form.elements.service_type.value;
    var query = new URLSearchParams();
    if (type) { query.set('service_type', type); }
    if (form.elements.district_code.value) { query.set('district_code', form.elements.district_code.value); }
    if (form.elements.eligible.checked) { query.set('eligible', 'true'); }
    return B.api('/hall/providers?' + query.toString()).then(function (answer) { showProviders(answer, type); },
      function (error) {
        document.getElementById('hall-providers').innerHTML = alertBox('danger', B.problemText(error));
      });
  }

  function initRegister() {
    var form = document.getElementById('register-form');
    if (!form) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var message = document.getElementById('register-message');
      message.textContent = '';
      var types = Array.prototype.filter.call(form.elements.service_types, function (box) { return box.checked; })
        .map(function (box) { return box.value; });
      var body = {
        name: form.elements.name.value, credit_code: form.elements.credit_code.value,
        district_code: form.elements.district_code.value, address: form.elements.address.value || null,
        phone: form.elements.phone.value || null, service_types: types,
        qualifications: form.elements.number.value || form.elements.valid_until.value ? [{
          kind: form.elements.kind.value, grade: form.elements.grade.value, number: form.elements.number.value,
          valid_until: form.elements.valid_until.value || null
        }] : []
      };
      B.api('/hall/providers', { method: 'POST', body: body }).then(function (provider) {
        form.reset();
        document.getElementById('hall-message').innerHTML =
          alertBox('success', t('hall.registered', { name: provider.name }));
        loadProviders();
      }, function (error) { message.textContent = B.problemText(error); });
    });
  }

  function initHall() {
    var form = document.getElementById('hall-filters');
    form.addEventListener('submit', function (event) { event.preventDefault(); loadProviders(); });
    initRegister();
    loadProviders();
  }

  // ---- commissions -------------------------------------------------------------------------------

  function choiceHtml(c) {
    if (!c.choice) { return ''; }
    if (c.choice.how === 'direct') { return '<p class="small mb-1">' + B.labelled('hall.how') + esc(t('hall.direct')) + '</p>'; }
    return '<p class="small mb-1">' + B.labelled('hall.how') + esc(t('hall.draw')) + ' · ' + B.labelled('hall.seed_shown') +
      '<code class="hall-seed">' + esc(c.choice.seed) + '</code> · ' + B.labelled('hall.candidates') +
      c.choice.candidates.map(function (x) { return esc(x.name); }).join('、') + ' · ' +
      esc(c.choice.verified ? t('hall.verified') : t('hall.mismatch')) + '</p>';
  }

  function chooseHtml(c) {
    return '<div class="hall-choose" data-choose="' + c.id + '"><p class="small mb-1">' + esc(t('hall.choose_intro')) +
      '</p><div class="hall-candidates small text-muted">' + esc(t('proposal.loading')) + '</div>' +
      '<form class="row g-2 align-items-end mt-1" data-draw="' + c.id + '">' +
      '<div class="col-12 col-md-6"><label class="form-label mb-0" for="seed-' + c.id + '">' + esc(t('hall.seed')) +
      '</label><input class="form-control form-control-sm" id="seed-' + c.id + '" name="seed" maxlength="200"></div>' +
      '<div class="col-12 col-md-6"><button class="btn btn-sm btn-outline-primary" type="submit">' +
      esc(t('hall.draw_submit')) + '</button></div></form></div>';
  }

  function deliverHtml(c) {
    return '<form class="row g-2 align-items-end" data-deliver="' + c.id + '"><div class="col-12 col-md-8">' +
      '<label class="form-label mb-0" for="note-' + c.id + '">' + esc(t('hall.delivery_note')) + '</label>' +
      '<input class="form-control form-control-sm" id="note-' + c.id + '" name="note" maxlength="2000"></div>' +
      '<div class="col-12 col-md-4"><button class="btn btn-sm btn-primary" type="submit">' + esc(t('hall.deliver')) +
      '</button></div></form>';
  }

  function rateHtml(c) {
    var options = [5, 4, 3, 2, 1].map(function (n) {
      return '<option value="' + n + '">' + n + ' · ' + esc(t('hall.stars.' + n)) + '</option>';
    }).join('');
    return '<form class="row g-2 align-items-end" data-rate="' + c.id + '"><div class="col-12 col-md-3">' +
      '<label class="form-label mb-0" for="rating-' + c.id + '">' + esc(t('hall.rating')) + '</label>' +
      '<select class="form-select form-select-sm" id="rating-' + c.id + '" name="rating">' + options + '</select></div>' +
      '<div class="col-12 col-md-6"><label class="form-label mb-0" for="comment-' + c.id + '">' + esc(t('hall.comment')) +
      '</label><input class="form-control form-control-sm" id="comment-' + c.id + '" name="comment" maxlength="2000"></div>' +
      '<div class="col-12 col-md-3"><button class="btn btn-sm btn-primary" type="submit">' + esc(t('hall.rate')) +
      '</button></div></form>';
  }

  function commissionCard(c) {
    var id = 'commission-' + c.id;
    var html = '<article class="hall-card" id="' + id + '" data-status="' + esc(c.status) + '" aria-labelledby="' + id +
      '-title"><h3 class="hall-card-title" id="' + id + '-title">' + esc(typeName(c.service_type.key)) + ' · ' +
      esc(t('hall.commission_no', { id: c.id })) + ' <span class="badge text-bg-info">' + esc(t('hall.status.' + c.status)) +
      '</span></h3><p class="small mb-1"><code>' + esc(c.project_code) + '</code> ' + esc(c.project_name) + '</p>';
    if (c.description) { html += '<p class="small mb-1">' + B.labelled('hall.description') + esc(c.description) + '</p>'; }
    html += '<p class="small mb-1">' + B.labelled('hall.posted_on') + esc(c.posted_on) + ' · ' + B.labelled('hall.limit') +
      c.limit_working_days + '</p>';
    if (c.provider) {
      html += '<p class="small mb-1">' + B.labelled('hall.provider') + '<strong class="hall-provider">' +
        esc(c.provider.name) + '</strong>' + sampleBadge(c.provider.sample) + '</p>' + choiceHtml(c);
    }
    if (c.clock) {
      html += '<p class="small mb-1"><span class="badge text-bg-' + clockClass(c.clock) + ' hall-clock">' +
        esc(clockText(c.clock)) + '</span></p>';
    }
    if (c.delivered_on) {
      html += '<p class="small mb-1">' + B.labelled('hall.delivered_on') + esc(c.delivered_on) + ' · ' +
        esc(c.delivery_note) + '</p>';
    }
    if (c.rating) {
      html += '<p class="small mb-1">' + B.labelled('hall.rating') + c.rating + '/5 · ' + esc(c.rating_comment) + '</p>';
    }
    html += '<div class="text-danger small" role="alert" data-message="' + c.id + '"></div>';
    if (c.may.choose) { html += chooseHtml(c); }
    if (c.may.accept) {
      html += '<button class="btn btn-sm btn-primary" type="button" data-accept="' + c.id + '">' + esc(t('hall.accept')) +
        '</button>';
    }
    if (c.may.deliver) { html += deliverHtml(c); }
    if (c.may.rate) { html += rateHtml(c); }
    return html + '</article>';
  }

  function act(id, path, body) {
    var message = document.querySelector('[data-message="' + id + '"]');
    message.textContent = '';
    return B.api('/hall/commissions/' + id + '/' + path, { method: 'POST', body: body || {} })
      .then(loadCommissions, function (error) { message.textContent = B.problemText(error); });
  }

  function showCandidates(box, c) {
    B.api('/hall/providers?eligible=true&service_type=' + encodeURIComponent(c.service_type.key)).then(function (answer) {
      var target = box.querySelector('.hall-candidates');
      if (!answer.providers.length) { target.textContent = t('hall.no_candidates'); return; }
      target.innerHTML = '<div class="table-responsive"><table class="table table-sm align-middle small mb-0"><thead><tr><th>' +
        esc(t('hall.provider')) + '</th><th>' + esc(t('hall.rating')) + '</th><th>' + esc(t('hall.choose')) +
        '</th></tr></thead><tbody>' + answer.providers.map(function (p) {
          return '<tr><td>' + esc(p.name) + sampleBadge(p.sample) + '</td><td>' +
            esc(p.mean_rating === null ? '—' : p.mean_rating) + '</td><td><button class="btn btn-sm btn-outline-secondary" ' +
            'type="button" data-pick="' + p.id + '">' + esc(t('hall.choose')) + '</button></td></tr>';
        }).join('') + '</tbody></table></div>';
      target.querySelectorAll('[data-pick]').forEach(function (button) {
        button.addEventListener('click', function () {
          act(c.id, 'choice', { provider_id: Number(button.getAttribute('data-pick')) });
        });
      });
    });
  }

  function wire(list, commissions) {
    commissions.forEach(function (c) {
      var box = list.querySelector('[data-choose="' + c.id + '"]');
      if (box) {
        showCandidates(box, c);
        box.querySelector('[data-draw]').addEventListener('submit', function (event) {
          event.preventDefault();
          act(c.id, 'choice', { draw: true, seed: event.target.elements.seed.value || null });
        });
      }
    });
    list.querySelectorAll('[data-accept]').forEach(function (button) {
      button.addEventListener('click', function () { act(button.getAttribute('data-accept'), 'acceptance'); });
    });
    list.querySelectorAll('[data-deliver]').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        act(form.getAttribute('data-deliver'), 'delivery', { note: form.elements.note.value });
      });
    });
    list.querySelectorAll('[data-rate]').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        act(form.getAttribute('data-rate'), 'rating',
          { rating: Number(form.elements.rating.value), comment: form.elements.comment.value });
      });
    });
  }

  function loadCommissions() {
    var list = document.getElementById('commission-list');
    return B.api('/hall/commissions').then(function (commissions) {
      list.innerHTML = commissions.length ? commissions.map(commissionCard).join('') : alertBox('light', t('hall.no_commissions'));
      wire(list, commissions);
    }, function (error) { list.innerHTML = alertBox('secondary', B.problemText(error)); });
  }

  function initPost() {
    var section = document.getElementById('post-commission');
    B.api('/proposals').then(function (proposals) {
      var coded = proposals.filter(function (p) { return p.project_code; });
      var select = document.getElementById('post-project');
      select.innerHTML = coded.map(function (p) {
        return '<option value="' + esc(p.project_code) + '">' + esc(p.project_code) + '</option>';
      }).join('');
      if (!coded.length) {
        document.getElementById('post-message').textContent = t('hall.no_coded');
        document.getElementById('post-submit').disabled = true;
      }
      section.classList.remove('d-none');
    });
    var form = document.getElementById('post-form');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var message = document.getElementById('post-message');
      message.textContent = '';
      var limit = form.elements.limit_working_days.value;
      B.api('/hall/commissions', { method: 'POST', body: {
        project_code: form.elements.project_code.value, service_type: form.elements.service_type.value,
        description: form.elements.description.value || null, limit_working_days: limit ? Number(limit) : null
      } }).then(function () { form.elements.description.value = ''; loadCommissions(); },
        function (error) { message.textContent = B.problemText(error); });
    });
  }

  function initCommissions() {
    var user = B.session.user;
    if (!user) {
      document.getElementById('commission-list').innerHTML = alertBox('secondary', t('login.needed'));
      return;
    }
    if (user.role === 'applicant') { initPost(); }
    loadCommissions();
  }

  B.ready(function () {
    if (page === 'hall') { initHall(); }
    if (page === 'hall-commissions') { initCommissions(); }
  });
})();
