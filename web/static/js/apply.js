/*
 * 项目申报 (the applicant's proposal page). A new proposal: the facts the departments judge it by, and
 * its site drawn or uploaded (static/js/site.js), screened at once with the form's project type, land use
 * and industry; "save" creates the draft (POST /api/v1/proposals, which screens and stores it), then the
 * page is the draft's own (/proposals/{id}/edit). A draft or returned proposal: a new site is screened at
 * once as a preview, "save the new site" adds a revision (POST …/sites) and shows its stored screening, and
 * "submit" sends it to review (POST …/actions). Every problem shows in the page's language, next to its field
 * or over the map; nothing is stored on a refused request.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;
  var CANDIDATE_KEY = 'blueprint.candidate';
  var FIELDS = ['name', 'project_type', 'industry', 'land_use', 'total_investment_wan', 'funding_source',
    'investment_category', 'district_code', 'applicant_organisation', 'credit_code'];

  var proposalId = B.config.proposalId;
  var proposal = null;
  var pending = false;  // a drawn or uploaded site not saved yet
  var form = document.getElementById('proposal-form');
  var facts = document.getElementById('proposal-facts');
  var message = document.getElementById('apply-message');
  var status = document.getElementById('apply-status');
  var save = document.getElementById('proposal-save');
  var submit = document.getElementById('proposal-submit');

  function input(name) { return document.getElementById('field-' + name); }


  function parameters() {
    if (proposal) {
      return { project_type: proposal.project_type, land_use: proposal.land_use, industry: proposal.industry };
    }
    return { project_type: input('project_type').value, land_use: input('land_use').value,
      industry: input('industry').value.trim().toUpperCase() };
  }

  var tools = new B.SiteTools({
    parameters: parameters,
    onSite: function (site) { pending = !!site; update(); },
    onScreened: function () { update(); }
  });

  function update() {
    var editable = !proposal || proposal.site_editable;
    save.disabled = !(editable && pending && tools.site && tools.report);
    submit.disabled = !(proposal && proposal.legal_actions.indexOf('submit') >= 0 && !pending);
    submit.classList.toggle('d-none', !proposal);
  }

  function showFieldErrors(errors) {
    FIELDS.forEach(function (name) {
      input(name).classList.toggle('is-invalid', !!errors[name]);
      document.getElementById('error-' + name).textContent = errors[name] || '';
    });
  }

  /** What the form says, or the errors a person can fix before anything is sent. */
  function formBody() {
    var body = {};
    var errors = {};
    FIELDS.forEach(function (name) { body[name] = input(name).value.trim(); });
    body.industry = body.industry.toUpperCase();
    if (!body.district_code) { body.district_code = null; }  // the district holding the largest part of the site
    if (body.name.length < 2) { errors.name = t('apply.need_name'); }
    if (!/^[A-T]\d{2}$/.test(body.industry)) { errors.industry = t('apply.need_industry'); }
    var amount = Number(body.total_investment_wan);
    if (!body.total_investment_wan || !(amount > 0)) { errors.total_investment_wan = t('apply.need_investment'); }
    if (!body.applicant_organisation) { errors.applicant_organisation = t('apply.need_organisation'); }
    body.total_investment_wan = amount;
    showFieldErrors(errors);
    return Object.keys(errors).length ? null : body;
  }

  /** An API problem: next to its field when it names one, else above the buttons. */
  function showProblem(error) {
    var field = error.problem && error.problem.field;
    if (field && input(field)) {
      var errors = {};
      errors[field] = B.problemText(error);
      showFieldErrors(errors);
      input(field).focus();
    }
    status.innerHTML = '<span class="text-danger">' + esc(B.problemText(error)) + '</span>';
  }

  function saveProposal() {
    status.textContent = '';
    if (!proposal) {
      var body = formBody();
      if (!body) { status.innerHTML = '<span class="text-danger">' + esc(t('apply.fix_fields')) + '</span>'; return; }
      body.site = tools.site;
      body.crs = 'EPSG:4326';
      save.disabled = true;
      B.api('/proposals', { method: 'POST', body: body }).then(function (detail) {
        window.history.replaceState(null, '', '/proposals/' + detail.id + '/edit?lang=' + B.config.lang);
        proposalId = detail.id;
        shown(detail, t('apply.saved'));
      }, function (error) { showProblem(error); update(); });
      return;
    }
    save.disabled = true;
    B.api('/proposals/' + proposal.id + '/sites', { method: 'POST', body: { site: tools.site, crs: 'EPSG:4326' } })
      .then(function (detail) { shown(detail, t('apply.site_saved')); },
        function (error) { showProblem(error); update(); });
  }

  function submitProposal() {
    submit.disabled = true;
    B.api('/proposals/' + proposal.id + '/actions', { method: 'POST', body: { action: 'submit' } })
      .then(function () { return B.api('/proposals/' + proposal.id); })
      .then(function (detail) { shown(detail, t('apply.submitted')); },
        function (error) { showProblem(error); update(); });
  }

  /** A district's name as the form's own list gives it, in the page's language (the site may have chosen it). */
  function districtName(code) {
    var option = input('district_code').querySelector('option[value="' + code + '"]');
    return option ? option.textContent : code;
  }

  /** The proposal as stored: its facts, its current site and that site's stored screening. */
  function shown(detail, note) {
    proposal = detail;
    pending = false;
    form.classList.add('d-none');
    facts.classList.remove('d-none');
    var code = detail.project_code ? '<code>' + esc(detail.project_code) + '</code>' : '—';
    var waiting = (detail.review && detail.review.outstanding || []).map(function (entry) {
      return entry[B.config.lang];
    }).join('、') || '—';
    facts.innerHTML = '<div class="fw-bold" id="proposal-name">' + esc(detail.name) + '</div>' +
      '<div class="small">' + B.labelled('proposal.state') + '<span id="proposal-state">' +
      esc(t('state.' + detail.state)) + '</span> · ' + B.labelled('proposal.code') + code + '</div>' +
      '<div class="small">' + B.labelled('opinions.awaiting') + esc(waiting) + '</div>' +
      '<div class="small">' + B.labelled('field.district_code') + '<span id="proposal-district">' +
      esc(districtName(detail.district_code)) + '</span></div>' +
      '<div class="small">' + B.labelled('field.funding_source') + '<span id="proposal-funding">' +
      esc(detail.funding_source ? t('funding.' + detail.funding_source) : '—') + '</span></div>' +
      (detail.site_editable ? '' : '<div class="small text-muted">' + esc(t('apply.not_editable')) + '</div>') +
      '<a class="small" href="/proposals/' + detail.id + '/review?lang=' + B.config.lang + '">' +
      esc(t('proposal.review_link')) + '</a>';
    document.getElementById('site-tools').classList.toggle('d-none', !detail.site_editable);
    var current = detail.revisions.filter(function (revision) { return revision.is_current; })[0];
    tools.drawn.clearLayers();
    tools.uploaded.clearLayers();
    tools.site = current ? current.geometry : null;
    if (current && detail.screening) { tools.show(detail.screening); }
    status.innerHTML = note ? '<span class="text-success" id="apply-note">' + esc(note) + '</span>' : '';
    update();
  }

  function fillFromCandidate() {
    var stored = sessionStorage.getItem(CANDIDATE_KEY);
    if (!stored || !/[?&]from=map/.test(window.location.search)) { return; }
    sessionStorage.removeItem(CANDIDATE_KEY);
    var candidate = JSON.parse(stored);
    Object.keys(candidate.parameters || {}).forEach(function (name) {
      if (input(name)) { input(name).value = candidate.parameters[name]; }
    });
    L.geoJSON(candidate.site, { style: B.proposalSymbol('site.candidate') }).addTo(tools.uploaded);
    tools.accept(candidate.site);
  }

  function start(user) {
    message.innerHTML = '';
    var sections = [form, document.getElementById('site-section')];
    if (!user || user.role !== 'applicant') {
      sections.forEach(function (section) { section.classList.add('d-none'); });
      var login = '/login?lang=' + B.config.lang + '&next=' + encodeURIComponent(window.location.pathname);
      B.showMessage(message, 'secondary', esc(t('apply.need_applicant')) + ' <a href="' + login + '">' +
        esc(t('login.submit')) + '</a>');
      return;
    }
    document.getElementById('site-section').classList.remove('d-none');
    if (proposalId) {
      B.api('/proposals/' + proposalId).then(function (detail) { shown(detail); },
        function (error) { B.showMessage(message, 'danger', esc(B.problemText(error))); });
      return;
    }
    form.classList.remove('d-none');
    input('applicant_organisation').value = user.organisation || '';
    input('credit_code').value = user.credit_code || '';
    fillFromCandidate();
    update();
  }

  save.addEventListener('click', saveProposal);
  submit.addEventListener('click', submitProposal);
  B.session.onChange(start);
})();
