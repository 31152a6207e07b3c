/*
 * 中介服务用时 (commission time) beside 部门审批用时 (the departments' time), on the supervision pages: a coded
 * project's page reads GET /api/v1/hall/projects/{code}/times, the dashboard GET /api/v1/hall/times (with the
 * commissions overdue or due soon). Working days throughout; commission time never counts in a department's limit.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var t = B.t;
  var esc = B.escapeHtml;

  function provisional(entry) { return entry.provisional ? ' <span class="badge text-bg-warning">' + esc(t('hall.provisional')) + '</span>' : ''; }

  function row(entry) {
    return '<tr><td><code>' + esc(entry.project_code) + '</code> ' + esc(entry.name) + '</td><td>' +
      entry.department_working_days + ' / ' + entry.department_limit_working_days + '</td><td>' +
      entry.commission_working_days + provisional(entry) + '</td><td>' + entry.overdue_commissions + '</td></tr>';
  }

  function table(entries) {
    return '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="commission-times-title">' +
      '<table class="table table-sm align-middle small mb-0 stack-on-phone"><thead><tr><th>' + esc(t('hall.project')) + '</th><th>' +
      esc(t('hall.department_days')) + '</th><th>' + esc(t('hall.commission_days')) + '</th><th>' +
      esc(t('hall.overdue_commissions')) + '</th></tr></thead><tbody>' + entries.map(row).join('') + '</tbody></table></div>';
  }

  function attention(items) {
    if (!items.length) { return '<p class="small text-muted mb-0">' + esc(t('hall.no_attention')) + '</p>'; }
    return '<ul class="small mb-0" id="commission-attention">' + items.map(function (c) {
      return '<li class="' + (c.status === 'overdue' ? 'text-danger' : '') + '"><code>' + esc(c.project_code) + '</code> ' +
        esc(c[B.config.lang]) + ' · ' + esc(c.provider_name) + ' · ' + esc(t('hall.clock.' + c.status)) +
        ' · ' + esc(t('hall.due')) + ' ' + esc(c.due) + '</li>';
    }).join('') + '</ul>';
  }

  B.ready(function () {
    var section = document.getElementById('commission-times');
    if (!section || !B.session.user) { return; }
    var body = section.querySelector('.hall-times-body');
    var code = B.config.projectCode;
    var path = code ? '/hall/projects/' + encodeURIComponent(code) + '/times' : '/hall/times';
    B.api(path).then(function (answer) {
      if (code) {
        body.innerHTML = table([answer]) + '<p class="small mt-1 mb-0">' + answer.items.map(function (c) {
          return esc(c.service_type[B.config.lang]) + ' · ' + esc(c.provider ? c.provider.name : '') + ' · ' +
            esc(t('hall.status.' + c.status)) + (c.clock ? ' · ' + esc(t('hall.clock.' + c.clock.status)) : '');
        }).join('<br>') + '</p>';
      } else {
        body.innerHTML = table(answer.projects) + '<h4 class="sv-card-title mt-2">' + esc(t('hall.attention')) + '</h4>' +
          attention(answer.attention);
      }
      section.classList.remove('d-none');
    }, function () { section.classList.add('d-none'); });
  });
})();
