/*
 * Supervision pages (赋码之后): the dashboard (监管看板), a project's Gantt timeline and the public
 * random-inspection draws (双随机、一公开).
 *
 * Every figure comes from the JSON API through window.Blueprint (labels, session, API client); every
 * chart is SVG markup built here, with each text escaped — no chart library, nothing from the web.
 * Dates are the API's ISO days (YYYY-MM-DD), placed on the axis as UTC days so no time zone shifts them.
 */
(function () {
  'use strict';

  var B = window.Blueprint;
  var config = B.config;
  var t = B.t;
  var esc = B.escapeHtml;
  var DAY = 86400000;
  var CATEGORY_COLOURS = { financial: '#1f6fb2', general_social: '#27ae60', small_social: '#f39c12' };
  var OK = '#1f6fb2';  // 5.2:1 on white, readable as small text
  var SOON = '#f39c12';
  var LATE = '#c0392b';
  var PAUSED = '#7f8c8d';
  var STATUS_COLOURS = { running: OK, on_time: OK, due_soon: SOON, overdue: LATE, late: LATE, suspended: PAUSED };
  var TOTAL_COLOURS = { not_started: PAUSED, running: OK, completed_within_limit: '#27ae60', over_limit: LATE,
    completed_over_limit: LATE };

  // ---- SVG pieces ---------------------------------------------------------------------------------

  function svg(width, height, label, body, css) {
    // A chart whose rows link to their projects is a group of links, not a picture (axe: nested-interactive).
    var role = body.indexOf('<a ') >= 0 ? 'group' : 'img';
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + width + ' ' + height + '" role="' + role + '" ' +
      'aria-label="' + esc(label) + '"' + (css ? ' class="' + css + '"' : '') + '>' + body + '</svg>';
  }

  function rect(x, y, width, height, fill, title, extra) {
    return '<rect x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + Math.max(width, 0).toFixed(1) +
      '" height="' + height + '" fill="' + fill + '"' + (extra || '') + '>' +
      (title ? '<title>' + esc(title) + '</title>' : '') + '</rect>';
  }

  function label(x, y, content, anchor, css) {
    return '<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '"' + (anchor ? ' text-anchor="' + anchor + '"' : '') +
      (css ? ' class="' + css + '"' : '') + '>' + esc(content) + '</text>';
  }

  function line(x1, y1, x2, y2, stroke, width, dash, title) {
    return '<line x1="' + x1.toFixed(1) + '" y1="' + y1.toFixed(1) + '" x2="' + x2.toFixed(1) + '" y2="' +
      y2.toFixed(1) + '" stroke="' + stroke + '" stroke-width="' + width + '"' +
      (dash ? ' stroke-dasharray="' + dash + '"' : '') + '>' + (title ? '<title>' + esc(title) + '</title>' : '') +
      '</line>';
  }

  function short(text, length) {
    return text.length > length ? text.slice(0, length - 1) + '…' : text;
  }

  function wan(value) { return B.number(value, 0) + ' ' + t('sv.wan'); }

  /** A draw's method: in plain words in the page's language, or as published when it was drawn by another. */
  function methodHtml(draw) {
    var words = draw.method_words && draw.method_words[config.lang];
    if (!words) { return '<pre>' + esc(draw.method) + '</pre>'; }
    return '<ol class="small sv-method">' + words.map(function (step) { return '<li>' + esc(step) + '</li>'; })
      .join('') + '</ol>';
  }

  function projectUrl(code) { return '/supervision/projects/' + encodeURIComponent(code) + '?lang=' + config.lang; }

  function chartBox(id) { return document.querySelector('#' + id + ' .sv-chart'); }

  function noData(id) { chartBox(id).innerHTML = '<p class="small text-muted mb-0">' + esc(t('sv.none')) + '</p>'; }

  // ---- dashboard charts ---------------------------------------------------------------------------

  /** Stacked bars: each district's total investment (万元) by investment category. */
  function investmentChart(investment) {
    var districts = investment.districts;
    if (!districts.length) { return noData('chart-investment'); }
    var categories = investment.categories.map(function (c) { return c.key; });
    var width = 440, left = 56, right = 86, top = 26, row = 26;
    var max = Math.max.apply(null, districts.map(function (d) { return d.total_wan; })) || 1;
    var scale = (width - left - right) / max;
    var body = '';
    categories.forEach(function (key, i) {
      body += rect(left + i * 110, 4, 10, 10, CATEGORY_COLOURS[key]) + label(left + i * 110 + 14, 13, t('category.' + key));
    });
    districts.forEach(function (district, i) {
      var y = top + i * row, x = left;
      body += label(left - 6, y + 15, district.name, 'end');
      categories.forEach(function (key) {
        var value = district.by_category[key].total_wan;
        body += rect(x, y + 3, value * scale, row - 8, CATEGORY_COLOURS[key],
          district.name + ' · ' + t('category.' + key) + ': ' + wan(value) + ' (' + district.by_category[key].projects + ')',
          ' data-category="' + key + '"');
        x += value * scale;
      });
      body += label(x + 6, y + 15, wan(district.total_wan), null, 'sv-muted');
    });
    chartBox('chart-investment').innerHTML = svg(width, top + districts.length * row + 4, t('sv.investment'), body);
  }

  /** Grouped bars: overdue, due-soon and suspended (暂停计时) items of each department. */
  function overdueChart(departments) {
    var width = 420, left = 150, right = 40, row = 46;
    var max = Math.max.apply(null, departments.map(function (d) {
      return Math.max(d.overdue_count, d.due_soon_count, d.suspended_count);
    })) || 1;
    var scale = (width - left - right) / max;
    var body = rect(left, 4, 10, 10, LATE) + label(left + 14, 13, t('sv.overdue_count')) +
      rect(left + 70, 4, 10, 10, SOON) + label(left + 84, 13, t('sv.due_soon_count')) +
      rect(left + 140, 4, 10, 10, PAUSED) + label(left + 154, 13, t('sv.suspended_count'));
    departments.forEach(function (d, i) {
      var y = 22 + i * row, name = t('department.' + d.department);
      body += '<g data-department="' + esc(d.department) + '">' + label(left - 6, y + 23, short(name, 12), 'end') +
        rect(left, y + 4, d.overdue_count * scale, 11, LATE, name + ' · ' + t('sv.overdue_count') + ': ' + d.overdue_count) +
        label(left + d.overdue_count * scale + 4, y + 14, String(d.overdue_count), null, 'sv-overdue-count') +
        rect(left, y + 17, d.due_soon_count * scale, 11, SOON, name + ' · ' + t('sv.due_soon_count') + ': ' + d.due_soon_count) +
        label(left + d.due_soon_count * scale + 4, y + 27, String(d.due_soon_count), null, 'sv-muted') +
        rect(left, y + 30, d.suspended_count * scale, 11, PAUSED, name + ' · ' + t('sv.suspended_count') + ': ' + d.suspended_count) +
        label(left + d.suspended_count * scale + 4, y + 40, String(d.suspended_count), null, 'sv-suspended-count') + '</g>';
    });
    body += line(left, 20, left, 22 + departments.length * row, '#b8c2cc', 1);
    chartBox('chart-overdue').innerHTML = svg(width, 26 + departments.length * row, t('sv.overdue'), body);
  }

  function usageColour(project) {
    var share = project.used_working_days / project.limit_working_days;
    return share > 1 ? LATE : share > 0.8 ? SOON : OK;
  }

  /** Bars of working days used against each project's 50/70/90-day limit (a dark tick), worst first. */
  function approvalChart(projects) {
    if (!projects.length) { return noData('chart-approval'); }
    var rows = projects.slice().sort(function (a, b) {
      return b.used_working_days / b.limit_working_days - a.used_working_days / a.limit_working_days;
    }).slice(0, 25);
    var width = 860, left = 260, right = 150, row = 24;
    var max = Math.max.apply(null, rows.map(function (p) { return Math.max(p.used_working_days, p.limit_working_days); }));
    var scale = (width - left - right) / (max * 1.05);
    var body = '';
    rows.forEach(function (project, i) {
      var y = 4 + i * row, limitX = left + project.limit_working_days * scale;
      var status = t('sv.status.' + project.status) + (project.provisional ? ' · ' + t('sv.provisional') : '');
      body += '<g class="sv-approval-row" data-code="' + esc(project.project_code) + '">' +
        '<a href="' + esc(projectUrl(project.project_code)) + '">' +
        label(left - 8, y + 15, short(project.name, 18) + ' ' + project.project_code.slice(-6), 'end') + '</a>' +
        rect(left, y + 4, project.used_working_days * scale, row - 9, usageColour(project),
          project.name + ': ' + project.used_working_days + ' / ' + project.limit_working_days + ' ' +
          t('sv.working_days') + ' · ' + status) +
        line(limitX, y + 1, limitX, y + row - 2, '#1c2833', 2, null, t('sv.limit') + ' ' + project.limit_working_days) +
        label(Math.max(limitX, left + project.used_working_days * scale) + 6, y + 15,
          project.used_working_days + ' / ' + project.limit_working_days + (project.provisional ? ' *' : ''), null,
          'sv-muted') + '</g>';
    });
    chartBox('chart-approval').innerHTML = svg(width, 8 + rows.length * row, t('sv.approval_time'), body);
  }

  function warningTable(warnings) {
    if (!warnings.length) { return noData('warning-summary'); }
    var kinds = [], statuses = ['open', 'inspect', 'post_evaluation', 'dismissed'], counts = {};
    warnings.forEach(function (w) {
      if (kinds.indexOf(w.kind) < 0) { kinds.push(w.kind); }
      counts[w.kind + '/' + w.status] = w.count;
    });
    chartBox('warning-summary').innerHTML = '<div class="table-responsive" tabindex="0"><table class="table table-sm small mb-0"><thead><tr><th></th>' +
      statuses.map(function (s) { return '<th>' + esc(t('sv.warning.' + s)) + '</th>'; }).join('') + '</tr></thead><tbody>' +
      kinds.map(function (kind) {
        return '<tr><th>' + esc(t('sv.warning_kind.' + kind)) + '</th>' + statuses.map(function (s) {
          return '<td>' + (counts[kind + '/' + s] || 0) + '</td>';
        }).join('') + '</tr>';
      }).join('') + '</tbody></table></div>';
  }

  /** 暂定 in words after a due date that lies in a year without holiday data, the reason on hover. */
  function provisionalBadge(clock) {
    if (!clock.provisional) { return ''; }
    return ' <span class="badge sv-badge-provisional" title="' + esc(clock.provisional_reason[config.lang === 'en' ? 'en' : 'zh']) +
      '">' + esc(t('sv.provisional')) + '</span>';
  }

  /** Every open item that is overdue, suspended or due soon, worst first, with its project linked. */
  function attentionTable(items) {
    var box = chartBox('attention-items');
    if (!items.length) { return noData('attention-items'); }
    box.innerHTML = '<div class="table-responsive" tabindex="0"><table class="table table-sm small mb-0 stack-on-phone"><thead><tr><th>' + esc(t('sv.project')) + '</th><th>' +
      esc(t('sv.items')) + '</th><th>' + esc(t('sv.department')) + '</th><th>' + esc(t('sv.accepted')) + '</th><th>' +
      esc(t('sv.due')) + '</th><th>' + esc(t('sv.clock')) + '</th></tr></thead><tbody>' + items.map(function (item) {
        var detail = item.status === 'suspended' ? t('sv.suspended_since', { day: item.suspended_since })
          : item.status === 'overdue' ? t('sv.overdue_days', { n: item.overdue_working_days }) +
            (item.suspended_since ? ' · ' + t('sv.suspended_since', { day: item.suspended_since }) : '')
            : t('sv.remaining_days', { n: item.remaining_working_days });
        return '<tr data-item="' + item.item_id + '" data-status="' + esc(item.status) + '"><td><a href="' +
          esc(projectUrl(item.project_code)) + '">' + esc(item.project_name) + '</a><br><code class="small">' +
          esc(item.project_code) + '</code></td><td>' + esc(t('item.' + item.item_type)) + '</td><td>' +
          esc(t('department.' + item.department)) + '</td><td>' + esc(item.accepted_on) + '</td><td>' + esc(item.due) +
          provisionalBadge(item) + '</td><td><span class="sv-status" style="color:' + (STATUS_COLOURS[item.status] || OK) + '">' +
          esc(t('sv.status.' + item.status)) + '</span> ' + esc(detail) + '</td></tr>';
      }).join('') + '</tbody></table></div>';
  }

  var sitesLayer = null;

  /** Coded sites (or drawn targets) on the page's map, with their names, fitted into view. */
  function showSites(features, colour) {
    if (sitesLayer) { sitesLayer.remove(); }
    var shown = features.filter(function (f) { return f.geometry; });
    if (!shown.length) { return; }
    sitesLayer = L.geoJSON({ type: 'FeatureCollection', features: shown }, {
      style: function (f) { return { color: colour(f), weight: 3, fillOpacity: 0.25, className: 'sv-site' }; },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(esc(f.properties.name + ' · ' + f.properties.project_code));  // Leaflet sets it as HTML
        if (config.page === 'supervision') {
          layer.on('click', function () { window.location.href = projectUrl(f.properties.project_code); });
        }
      }
    }).addTo(B.map());
    B.map().fitBounds(sitesLayer.getBounds(), { maxZoom: 14, padding: [30, 30] });
  }

  function loadDashboard(user) {
    var message = document.getElementById('dashboard-message');
    var charts = document.getElementById('dashboard-charts');
    charts.classList.add('d-none');
    if (!user) { return B.showMessage(message, 'secondary', esc(t('login.needed'))); }
    B.showMessage(message, 'light', esc(t('proposal.loading')));
    B.api('/supervision/dashboard').then(function (data) {
      message.innerHTML = '';
      document.getElementById('as-of').textContent = t('sv.as_of') + ' ' + data.as_of;
      charts.classList.remove('d-none');
      investmentChart(data.investment);
      overdueChart(data.overdue_by_department);
      approvalChart(data.approval_times);
      warningTable(data.warnings);
      attentionTable(data.attention_items);
      showSites(data.sites.features, function (f) { return TOTAL_COLOURS[f.properties.status] || OK; });
    }).catch(function (error) {
      B.showMessage(message, error.status === 403 ? 'warning' : 'danger',
        esc(error.status === 403 ? t('sv.need_role') : t('error.generic') + error.message));
    });
  }

  // ---- project page: Gantt timeline, items, progress, sites ---------------------------------------

  function day(iso) { var p = iso.split('-'); return Date.UTC(+p[0], +p[1] - 1, +p[2]); }

  function isoMonth(ms) { var d = new Date(ms); return d.getUTCFullYear() + '-' + ('0' + (d.getUTCMonth() + 1)).slice(-2); }

  /** The Gantt chart: plan and actual works, then each stage's items from acceptance to decision (or the
   *  as-of day), coloured by their clock, with the due day ticked and the as-of day dashed. */
  function gantt(approvals, progress) {
    var asOf = day(approvals.as_of);
    var reports = progress.reports;
    var started = reports.map(function (r) { return r.actual_start; }).filter(Boolean)[0];
    var completed = reports.map(function (r) { return r.actual_completion; }).filter(Boolean)[0];
    var rows = [];
    if (progress.planned_start && progress.planned_completion) {
      rows.push({ kind: 'plan', label: t('sv.plan'), from: day(progress.planned_start), to: day(progress.planned_completion) });
    }
    if (started) {
      rows.push({ kind: 'actual', label: t('sv.actual'), from: day(started), to: completed ? day(completed) : asOf });
    }
    approvals.stages.forEach(function (stage) {
      if (!stage.items.length) { return; }
      rows.push({ kind: 'stage', label: t('stage.' + stage.stage) });
      stage.items.forEach(function (item) {
        rows.push({ kind: 'item', label: t('item.' + item.item_type), item: item, from: day(item.accepted_on),
          to: item.decided_on ? day(item.decided_on) : asOf, due: day(item.clock.due) });
      });
    });
    var box = chartBox('gantt');
    if (!rows.length) { box.innerHTML = '<p class="small text-muted mb-0">' + esc(t('sv.no_items')) + '</p>'; return; }
    var times = [asOf];
    rows.forEach(function (r) { if (r.from) { times.push(r.from, r.to); } if (r.due) { times.push(r.due); } });
    var start = Math.min.apply(null, times) - 3 * DAY, end = Math.max.apply(null, times) + 3 * DAY;
    var width = 900, left = 210, right = 20, top = 22, row = 22;
    var x = function (ms) { return left + (ms - start) / (end - start) * (width - left - right); };
    var height = top + rows.length * row + 20;  // room under the rows for the as-of label
    var body = '';
    var tick = new Date(start);
    tick = Date.UTC(tick.getUTCFullYear(), tick.getUTCMonth() + 1, 1);
    var step = Math.max(1, Math.ceil((end - start) / DAY / 30 / 10));  // at most about ten month labels
    for (var m = 0; tick < end; m += 1) {
      if (m % step === 0) {
        body += line(x(tick), top - 4, x(tick), height - 14, '#e5e9ee', 1) + label(x(tick) + 2, 12, isoMonth(tick), null, 'sv-muted');
      }
      var next = new Date(tick);
      tick = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
    }
    rows.forEach(function (r, i) {
      var y = top + i * row;
      if (r.kind === 'stage') {
        body += label(6, y + 15, r.label, null, 'sv-stage') + line(left, y + row - 1, width - right, y + row - 1, '#eef1f4', 1);
        return;
      }
      body += label(r.kind === 'item' ? 16 : 6, y + 15, short(r.label, r.kind === 'item' ? 15 : 20));
      if (r.kind === 'plan') {
        body += rect(x(r.from), y + 5, x(r.to) - x(r.from), row - 10, '#aab7c4', r.label, ' fill-opacity="0.6" class="sv-plan"');
      } else if (r.kind === 'actual') {
        body += rect(x(r.from), y + 5, Math.max(x(r.to) - x(r.from), 2), row - 10, '#5d6d7e', r.label, ' class="sv-actual"');
      } else {
        var item = r.item, clock = item.clock;
        var title = t('item.' + item.item_type) + ' · ' + t('sv.accepted') + ' ' + item.accepted_on + ' · ' +
          t('sv.due') + ' ' + clock.due + (item.decided_on ? ' · ' + t('sv.decided') + ' ' + item.decided_on : '') +
          ' · ' + t('sv.status.' + clock.status) + ' · ' + clock.used_working_days + '/' + clock.limit_working_days +
          ' ' + t('sv.working_days') + (clock.provisional ? ' · ' + t('sv.provisional') : '');
        body += rect(x(r.from), y + 4, Math.max(x(r.to) - x(r.from), 3), row - 8, STATUS_COLOURS[clock.status] || OK, title,
          ' class="sv-item-bar" data-item="' + item.id + '" data-status="' + esc(clock.status) + '"' +
          (item.decided_on ? '' : ' fill-opacity="0.65"')) +
          item.suspensions.map(function (s) {
            // The stopped span, hatched grey over the bar: it does not count towards the limit.
            var from = x(day(s.suspended_on)), to = x(s.resumed_on ? day(s.resumed_on) : r.to);
            return rect(from, y + 4, Math.max(to - from, 3), row - 8, 'url(#sv-stopped)', suspensionText(s),
              ' class="sv-suspended-span" data-item="' + item.id + '" data-ground="' + esc(s.ground) + '" stroke="' +
              PAUSED + '"');
          }).join('') +
          line(x(r.due), y + 2, x(r.due), y + row - 2, '#2c3e50', 2, clock.provisional ? '2 2' : null,
            t('sv.due') + ' ' + clock.due + (clock.provisional ? ' · ' + t('sv.provisional') : ''));
      }
    });
    body = '<defs><pattern id="sv-stopped" width="6" height="6" patternUnits="userSpaceOnUse" ' +
      'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff1"/><line x1="0" y1="0" x2="0" y2="6" ' +
      'stroke="' + PAUSED + '" stroke-width="3"/></pattern></defs>' + body;
    body += line(x(asOf), top - 6, x(asOf), height - 14, '#8e44ad', 1.5, '4 3', t('sv.today') + ' ' + approvals.as_of) +
      label(x(asOf), height - 3, t('sv.today') + ' ' + approvals.as_of, 'middle', 'sv-muted');
    box.innerHTML = svg(width, height, t('sv.timeline'), body) + ganttText(approvals);
  }

  /** A suspension in words: its span and its legal ground, in the page's language. */
  function suspensionText(s) {
    var ground = config.lang === 'en' ? s.en : s.zh;
    return s.resumed_on ? t('clocks.span', { from: s.suspended_on, to: s.resumed_on, ground: ground })
      : t('clocks.span_lasting', { from: s.suspended_on, ground: ground });
  }

  /** The Gantt chart's items in words, for screen readers: dates, status, provisional due dates, stops. */
  function ganttText(approvals) {
    var sep = config.lang === 'en' ? '; ' : '；', lines = [];
    approvals.stages.forEach(function (stage) {
      stage.items.forEach(function (item) {
        var clock = item.clock;
        var words = [t('clocks.bar_text', { item: t('item.' + item.item_type), accepted: item.accepted_on,
          due: clock.due, status: t('sv.status.' + clock.status) })];
        if (clock.provisional) { words.push(t('sv.provisional')); }
        lines.push('<li data-item="' + item.id + '">' + esc(words.concat(item.suspensions.map(suspensionText)).join(sep)) +
          '</li>');
      });
    });
    return '<ul class="visually-hidden sv-gantt-text">' + lines.join('') + '</ul>';
  }

  function itemRows(approvals) {
    var html = '';
    approvals.stages.forEach(function (stage) {
      stage.items.forEach(function (item) {
        var clock = item.clock, doc = item.document;
        html += '<tr data-item="' + item.id + '"><td>' + esc(t('item.' + item.item_type)) + '</td>' +
          '<td>' + esc(t('department.' + item.department)) + '</td><td>' + esc(item.accepted_on) + '</td>' +
          '<td>' + esc(clock.due) + provisionalBadge(clock) +
          '<br><span class="small" style="color:' + (STATUS_COLOURS[clock.status] || OK) + '">' + esc(t('sv.status.' + clock.status)) +
          '</span>' + item.suspensions.map(function (s) {
            var why = (config.lang === 'en' ? s.en : s.zh) + ' · ' + s.reason;
            return '<div class="small text-muted sv-suspension" data-ground="' + esc(s.ground) + '">' + esc(s.resumed_on
              ? t('sv.suspension', { from: s.suspended_on, to: s.resumed_on, reason: why })
              : t('sv.suspension_lasting', { from: s.suspended_on, reason: why })) + '</div>';
          }).join('') + '</td><td>' + esc(item.decided_on || '—') + '</td>' +
          '<td>' + (doc ? esc(doc.document_number || t('sv.number_pending')) + (doc.file ? ' <i class="fa-solid fa-paperclip"></i>' : '') : '—') + '</td>' +
          '<td>' + item.reuses.map(function (r) { return '<div class="sv-reuse">' + esc(r.document_number || t('sv.number_pending')) + '</div>'; }).join('') +
          item.awaiting.map(function (a) { return '<div class="text-muted">' + esc(t('sv.awaiting') + ': ' + t('item.' + a.item_type)) + '</div>'; }).join('') +
          '</td></tr>';
      });
    });
    document.getElementById('item-rows').innerHTML = html || '<tr><td colspan="7" class="text-muted">' + esc(t('sv.no_items')) + '</td></tr>';
  }

  function progressTable(progress) {
    var box = chartBox('project-progress');
    if (!progress.reports.length) { box.innerHTML = '<p class="small text-muted mb-0">' + esc(t('sv.none')) + '</p>'; return; }
    box.innerHTML = '<div class="table-responsive" tabindex="0"><table class="table table-sm small mb-0"><thead><tr><th></th><th>' + esc(t('sv.cumulative')) + '</th><th>' +
      esc(t('sv.visual')) + '</th></tr></thead><tbody>' + progress.reports.map(function (r) {
        var share = Math.min(r.cumulative_wan / progress.total_investment_wan, 1.2);
        return '<tr><td>' + esc(r.period) + '</td><td>' + esc(wan(r.cumulative_wan)) +
          svg(120, 10, t('sv.cumulative'), rect(0, 1, 100, 8, '#eef1f4') + rect(0, 1, share * 100, 8, share > 1 ? LATE : OK),
            'sv-mini') +
          '</td><td>' + esc(B.number(r.visual_progress_pct, 0)) + ' %</td></tr>';
      }).join('') + '</tbody></table></div>';
  }

  function drawSites(detail, progress) {
    var coded = detail.proposal && detail.proposal.revisions.filter(function (r) { return r.is_current; })[0];
    var group = L.featureGroup();
    if (coded) {
      L.geoJSON(coded.geometry, { style: { color: '#1f6fb2', weight: 3, fillOpacity: 0.15 } })
        .bindTooltip(t('sv.coded_site')).addTo(group);
    }
    progress.reports.filter(function (r) { return r.site; }).forEach(function (r) {
      L.geoJSON(r.site, { style: { color: '#e67e22', weight: 2, dashArray: '6 4', fillOpacity: 0.05 } })
        .bindTooltip(t('sv.reported_site') + ' ' + r.period).addTo(group);
    });
    if (group.getLayers().length) {
      group.addTo(B.map());
      B.map().fitBounds(group.getBounds(), { maxZoom: 16, padding: [30, 30] });
    }
  }

  function loadProject(user) {
    var message = document.getElementById('project-message');
    var sections = ['gantt', 'project-items', 'project-progress'].map(function (id) { return document.getElementById(id); });
    sections.forEach(function (s) { s.classList.add('d-none'); });
    if (!user) { return B.showMessage(message, 'secondary', esc(t('login.needed'))); }
    B.showMessage(message, 'light', esc(t('proposal.loading')));
    var code = encodeURIComponent(config.projectCode);
    Promise.all([B.api('/supervision/projects/' + code + '/timeline'), B.api('/projects/' + code)]).then(function (answers) {
      var timeline = answers[0], approvals = timeline.approvals, progress = timeline.progress, total = approvals.total;
      message.innerHTML = '';
      document.getElementById('project-name').textContent = approvals.name;
      document.getElementById('project-total').innerHTML = esc(t('sv.total') + ': ' + total.used_working_days + ' / ' +
        total.limit_working_days + ' ' + t('sv.working_days') + ' · ' + t('category.' + total.investment_category) + ' · ' +
        t('sv.status.' + total.status)) + (total.provisional ? ' <span class="badge sv-badge-provisional">' + esc(t('sv.provisional')) + '</span>' : '') +
        (progress.key_level ? ' <span class="badge bg-danger">' + esc(t('key_level.' + progress.key_level)) + '</span>' : '');
      sections.forEach(function (s) { s.classList.remove('d-none'); });
      gantt(approvals, progress);
      itemRows(approvals);
      progressTable(progress);
      drawSites(answers[1], progress);
      // The clock forms (suspensions.js) draw from the same answer and ask for a reload after a change.
      document.dispatchEvent(new CustomEvent('sv:approvals', { detail: { approvals: approvals, user: user,
        reload: function () { loadProject(B.session.user); } } }));
    }).catch(function (error) {
      B.showMessage(message, 'danger', esc(t('error.generic') + error.message));
    });
  }

  // ---- public page: published inspection draws ---------------------------------------------------

  /** A timestamp as Beijing time, the time the draws are announced in. */
  function beijingTime(iso) {
    return new Date(iso).toLocaleString(config.lang === 'en' ? 'en-GB' : 'zh-CN',
      { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' }) + (config.lang === 'en' ? ' (Beijing)' : '');
  }

  function loadDraws() {
    var box = document.getElementById('draws');
    B.api('/public/inspection-draws').then(function (draws) {
      if (!draws.length) { return B.showMessage(box, 'light', esc(t('sv.draws.none'))); }
      // The latest draw's targets on the map: anyone can see where the inspectors go.
      showSites(draws[0].result.map(function (target) {
        return { type: 'Feature', geometry: target.site,
          properties: { project_code: target.project_code, name: target.project_name || target.project_code } };
      }), function () { return '#8e44ad'; });
      box.innerHTML = draws.map(function (draw) {
        var verified = draw.verification.rerun_matches;
        return '<article class="sv-draw" data-draw="' + draw.id + '"><h3 class="sv-card-title">' + esc(B.oneLanguage(draw.title)) + '</h3>' +
          '<p class="small mb-1">' + esc(beijingTime(draw.drawn_at)) + ' · ' + esc(t('sv.draws.seed')) +
          ': <code class="sv-seed">' + esc(draw.seed) + '</code> · <span class="badge ' + (verified ? 'bg-success' : 'bg-danger') +
          ' sv-verified">' + esc(t(verified ? 'sv.draws.verified' : 'sv.draws.mismatch')) + '</span></p>' +
          '<div class="table-responsive" tabindex="0"><table class="table table-sm small mb-1"><thead><tr><th>' + esc(t('proposal.code')) + '</th><th>' + esc(t('sv.project')) +
          '</th><th>' + esc(t('sv.draws.inspectors')) + '</th></tr></thead><tbody>' + draw.result.map(function (target) {
            return '<tr><td><code>' + esc(target.project_code) + '</code></td><td>' + esc(target.project_name || '') + '</td><td>' +
              esc(target.inspectors.map(function (i) { return i.name; }).join('、')) +
              (target.shortfall ? ' <span class="badge bg-warning text-dark">' + esc(t('sv.draws.shortfall', { n: target.shortfall })) +
                '</span>' : '') + '</td></tr>';
          }).join('') + '</tbody></table></div>' +
          '<details><summary class="small">' + esc(t('sv.draws.method')) + '</summary>' + methodHtml(draw) + '</details>' +
          '<details><summary class="small">' + esc(t('sv.draws.reproduce')) + '</summary><pre>' + esc(draw.reproduce_in_python) +
          '</pre></details></article>';
      }).join('');
    }).catch(function (error) {
      B.showMessage(box, 'danger', esc(t('error.generic') + error.message));
    });
  }

  // ---- start --------------------------------------------------------------------------------------

  // Registered now, before the shared client's start-up checks a kept token and announces the session.
  if (config.page === 'supervision') {
    B.session.onChange(loadDashboard);
  } else if (config.page === 'supervision-project') {
    B.session.onChange(loadProject);
  } else if (config.page === 'inspections') {
    B.ready(loadDraws);
  }
})();
