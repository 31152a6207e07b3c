/*
 * A coded project's preliminary work plan (前期工作计划) and its joint feasibility review (可研联评联审), on the
 * project page (templates/feasibility.html). Everything comes from the JSON API through window.Blueprint:
 * GET /api/v1/projects/{code}/work-plan and …/feasibility-review, whose `may` says which form this account
 * may use now (the NDRC convenes and decides, an invited department concludes). A change is saved through
 * the API; then every part of the page loads again, so the approval items show the item as decided.
 */
(function () {
  'use strict';

  var B = window.Blueprint;
  var config = B.config;
  var t = B.t;
  var esc = B.escapeHtml;
  var code = encodeURIComponent(config.projectCode);
  var english = config.lang === 'en';

  function el(id) { return document.getElementById(id); }

  function name(entry) { return english ? entry.en : entry.zh; }

  function colon() { return english ? ': ' : '：'; }

  function provisional(entry) {
    return entry.provisional ? ' <span class="badge sv-badge-provisional" title="' +
      esc(entry.provisional_reason[english ? 'en' : 'zh']) + '">' + esc(t('sv.provisional')) + '</span>' : '';
  }

  function lines(text) { return text.split('\n').map(function (s) { return s.trim(); }).filter(Boolean); }

  function list(items) {
    return items.length ? '<ul class="small mb-1 fs-changes">' + items.map(function (c) {
      return '<li>' + esc(c) + '</li>';
    }).join('') + '</ul>' : '';
  }

  // ---- the work plan ------------------------------------------------------------------------------

  function drawPlan(plan) {
    var body = el('work-plan-body');
    if (!plan) { body.innerHTML = '<p class="small text-muted mb-0">' + esc(t('fs.plan.none')) + '</p>'; return; }
    body.innerHTML = '<p class="small mb-1">' + esc(t('fs.plan.issued', { day: plan.issued_on,
      type: english ? plan.project_type_en : plan.project_type_zh })) + '</p>' +
      '<p class="small mb-1" id="work-plan-total">' + esc(t('fs.plan.total', { n: plan.total.limit_working_days,
        category: t('category.' + plan.total.investment_category), day: plan.total.due })) + provisional(plan.total) + '</p>' +
      '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="work-plan-title">' +
      '<table class="table table-sm align-middle small mb-0 stack-on-phone"><thead><tr><th>' + esc(t('fs.task')) + '</th><th>' +
      esc(t('fs.unit')) + '</th><th>' + esc(t('fs.decider')) + '</th><th>' + esc(t('fs.due')) + '</th><th>' +
      esc(t('fs.state')) + '</th></tr></thead><tbody>' + plan.tasks.map(function (task) {
        return '<tr data-task="' + esc(task.task) + '" data-state="' + esc(task.state) + '"><td>' + esc(name(task)) +
          '</td><td>' + esc(task.project_unit) + '</td><td>' + esc(t('department.' + task.department)) + '</td><td>' +
          esc(task.due) + provisional(task) + '<br><span class="text-muted">' + esc(t('fs.days', { n: task.working_days })) +
          '</span></td><td>' + esc(t('fs.state.' + task.state)) + '</td></tr>';
      }).join('') + '</tbody></table></div>';
  }

  // ---- the joint review ---------------------------------------------------------------------------

  function conclusionCell(entry) {
    if (!entry.conclusion) { return '<span class="text-muted">' + esc(t('fs.pending')) + '</span>'; }
    return esc(t('fs.conclusion.' + entry.conclusion)) + list(entry.changes) +
      (entry.reason ? '<div class="small">' + esc(t('fs.reason') + colon()) + esc(entry.reason) + '</div>' : '');
  }

  function reviewHtml(review) {
    var decision = review.decision;
    var html = '<dl class="row small mb-1 fs-review" data-review="' + review.id + '">' +
      '<dt class="col-5">' + esc(t('fs.study')) + '</dt><dd class="col-7"><a href="' + esc(review.study.url) +
      '" download>' + esc(review.study.filename) + '</a></dd>' +
      '<dt class="col-5">' + esc(t('fs.received')) + '</dt><dd class="col-7">' + esc(review.received_on) + '</dd>' +
      '<dt class="col-5">' + esc(t('fs.meeting')) + '</dt><dd class="col-7">' + esc(review.meeting_on) + '</dd>' +
      '<dt class="col-5">' + esc(t('fs.item')) + '</dt><dd class="col-7 fs-item-result">' +
      esc(decision ? t('fs.state.' + (decision.item_result === 'refused' ? 'refused' : 'decided')) : t('fs.state.under_way')) +
      '</dd></dl>' +
      '<div class="table-responsive" tabindex="0" role="region" aria-label="' + esc(t('fs.invited')) + '">' +
      '<table class="table table-sm small mb-1"><thead><tr><th>' + esc(t('fs.invited')) + '</th><th>' +
      esc(t('fs.conclusion')) + '</th></tr></thead><tbody>' + review.invited.map(function (entry) {
        return '<tr data-department="' + esc(entry.department) + '"><td>' + esc(t('department.' + entry.department)) +
          '</td><td>' + conclusionCell(entry) + '</td></tr>';
      }).join('') + '</tbody></table></div>';
    if (decision) {
      html += '<div class="alert alert-' + (decision.decision === 'disagree' ? 'warning' : 'success') +
        ' py-2 mb-1 small fs-decision" data-decision="' + esc(decision.decision) + '"><strong>' + esc(t('fs.decision')) +
        '</strong> ' + esc(decision.decided_on + colon() + t('fs.decision.' + decision.decision)) + list(decision.changes) +
        (decision.reason ? '<div>' + esc(t('fs.reason') + colon()) + esc(decision.reason) + '</div>' : '') + '</div>';
    } else if (review.outstanding.length) {
      html += '<p class="small text-muted mb-1 fs-outstanding">' + esc(t('fs.outstanding', { departments:
        review.outstanding.map(function (d) { return t('department.' + d); }).join(english ? ', ' : '、') })) + '</p>';
    }
    return html;
  }

  function drawReviews(answer) {
    var reviews = answer.reviews;
    var box = el('feasibility-current');
    if (!reviews.length) {
      box.innerHTML = '<p class="small text-muted mb-1">' + esc(t('fs.review.none')) + '</p>';
    } else {
      box.innerHTML = reviewHtml(reviews[0]) + (reviews.length > 1 ? '<details class="small"><summary>' +
        esc(t('fs.earlier')) + '</summary>' + reviews.slice(1).map(reviewHtml).join('') + '</details>' : '');
    }
    var may = answer.may;
    el('feasibility-convene').classList.toggle('d-none', !may.convene);
    el('feasibility-conclude').classList.toggle('d-none', !may.conclude_for.length);
    el('feasibility-decide').classList.toggle('d-none', !may.decide);
    if (may.convene) {
      el('fs-departments').innerHTML = answer.invitable.map(function (d) {
        return '<div class="form-check"><input class="form-check-input" type="checkbox" name="departments" id="fs-invite-' +
          esc(d.department) + '" value="' + esc(d.department) + '"><label class="form-check-label small" for="fs-invite-' +
          esc(d.department) + '">' + esc(t('department.' + d.department)) + '</label></div>';
      }).join('');
      el('fs-received').value = el('fs-received').value || answer.today;
      el('fs-meeting').value = el('fs-meeting').value || answer.today;
    }
    if (may.conclude_for.length) {
      el('fs-conclude-department').value = may.conclude_for[0];
      el('fs-conclude-title').textContent = t('fs.conclude.title', { department: t('department.' + may.conclude_for[0]) });
    }
    if (may.decide) {
      el('fs-decided-on').value = el('fs-decided-on').value || answer.today;
      // The changes the departments asked for, as a start for the NDRC's own list.
      var asked = [];
      reviews[0].invited.forEach(function (entry) { asked = asked.concat(entry.changes); });
      if (!el('fs-decide-changes').value) { el('fs-decide-changes').value = asked.join('\n'); }
    }
  }

  // ---- loading and saving -------------------------------------------------------------------------

  function load(user) {
    var sections = [el('work-plan'), el('feasibility')];
    sections.forEach(function (s) { s.classList.add('d-none'); });
    if (!user) { return; }
    B.api('/projects/' + code + '/feasibility-review').then(function (reviews) {
      // A project coded before plans were issued with the code has none to ask for.
      var plan = reviews.work_plan_issued_on ? B.api('/projects/' + code + '/work-plan') : Promise.resolve(null);
      return plan.then(function (answer) {
        drawPlan(answer);
        drawReviews(reviews);
        sections.forEach(function (s) { s.classList.remove('d-none'); });
      });
    }).catch(function () { /* the page's own message (dashboard.js) says why the project cannot be read */ });
  }

  function submit(form, send) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var message = el('feasibility-message');
      var button = form.querySelector('button[type=submit]');
      button.disabled = true;
      send(form).then(function () {
        form.reset();
        B.showMessage(message, 'success', esc(t('fs.saved')));
        B.session.notify();  // every part of the page, the approval items included, loads again
      }, function (error) {
        B.showMessage(message, 'danger', esc(B.problemText(error)));
      }).then(function () { button.disabled = false; });
    });
  }

  var reviewPath = '/projects/' + code + '/feasibility-review';

  submit(el('feasibility-convene'), function (form) {
    return B.api(reviewPath, { method: 'POST', body: new FormData(form) });
  });

  submit(el('feasibility-conclude'), function (form) {
    var data = new FormData(form);
    return B.api(reviewPath + '/conclusions', { method: 'POST', body: {
      department: data.get('department'), conclusion: data.get('conclusion'),
      changes: lines(data.get('changes') || ''), reason: data.get('reason') || null } });
  });

  submit(el('feasibility-decide'), function (form) {
    var data = new FormData(form);
    return B.api(reviewPath + '/decision', { method: 'POST', body: {
      decision: data.get('decision'), decided_on: data.get('decided_on'), changes: lines(data.get('changes') || ''),
      reason: data.get('reason') || null, document_number: data.get('document_number') || null } });
  });

  if (config.page === 'supervision-project') {
    B.session.onChange(load);
  }
})();
