/*
 * Draw and screen on the one-blueprint map (选址冲突检测): anyone draws or uploads a candidate site and
 * sees its screening at once (static/js/site.js); an applicant turns the site into a proposal in one step:
 * the site and the screening's parameters go to the proposal page (/proposals/new) through this tab's
 * sessionStorage (a site is no secret), where the form starts filled in.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var CANDIDATE_KEY = 'blueprint.candidate';

  function value(name) { return document.getElementById('field-' + name).value.trim().toUpperCase(); }

  function parameters() {
    return { project_type: value('project_type'), land_use: value('land_use'), industry: value('industry') };
  }

  var button = document.getElementById('to-proposal');
  var hint = document.getElementById('to-proposal-hint');
  var tools = new B.SiteTools({ parameters: parameters, onSite: update, onScreened: update });

  function update() {
    var applicant = !!(B.session.user && B.session.user.role === 'applicant');
    button.classList.toggle('d-none', !(tools.site && tools.report && applicant));
    hint.classList.toggle('d-none', !(tools.site && tools.report) || applicant);
  }

  button.addEventListener('click', function () {
    sessionStorage.setItem(CANDIDATE_KEY, JSON.stringify({ site: tools.site, parameters: parameters() }));
    window.location.assign('/proposals/new?lang=' + B.config.lang + '&from=map');
  });
  B.session.onChange(update);
})();
