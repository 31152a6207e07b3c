/*
 * 冲突检测规则 (the rules page): the rule set in force, or version ?version=N (GET /api/v1/rule-sets/{n}):
 * every conflict rule (layer kind, condition, severity, department, follow-up), the land-use compatibility
 * matrix and the polluting industries; the versions loaded, when and by whom (GET /api/v1/rule-sets); and
 * what changed between two versions (GET /api/v1/rule-sets/{to}/diff?against={from}): rules by id added,
 * removed or changed (each changed field, old and new), compatibility pairs and polluting industries.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var cfg = B.config;
  var lang = cfg.lang;
  var message = document.getElementById('rules-message');
  var VERDICT_MARK = { allowed: 'rules.verdict_short.allowed', needs_review: 'rules.verdict_short.needs_review',
    blocking: 'rules.verdict_short.blocking' };
  var polluting = [];

  function section(id) { return document.getElementById(id); }
  function show(id) { section(id).classList.remove('d-none'); }
  function text(pair) { return pair ? pair[lang] : '—'; }

  function severityHtml(severity) {
    return severity === 'by_compatibility' ? B.escapeHtml(B.t('rules.by_compatibility')) :
      '<span class="badge severity-badge severity-' + B.escapeHtml(severity) + '">' + B.escapeHtml(B.t('severity.' + severity)) + '</span>';
  }

  function sameSet(a, b) { return a.length === b.length && a.every(function (v) { return b.indexOf(v) >= 0; }); }

  function industries(codes) {
    return sameSet(codes, polluting) ? B.t('rules.polluting_industries') : codes.join(B.t('rules.list_separator'));
  }

  /** When a rule applies, in words: its relation and every restriction it carries. */
  function condition(rule) {
    var parts = [B.t('rules.relation.' + rule.relation)];
    var sep = B.t('rules.list_separator');
    if (rule.project_types) {
      parts.push(B.t('rules.only_types', { v: rule.project_types.map(function (c) { return B.t('type.' + c); }).join(sep) }));
    }
    if (rule.land_uses) {
      parts.push(B.t('rules.only_land_uses', { v: rule.land_uses.map(function (c) { return c + ' ' + B.t('landuse.' + c); }).join(sep) }));
    }
    if (rule.industries) { parts.push(B.t('rules.only_industries', { v: industries(rule.industries) })); }
    if (rule.excluded_industries) { parts.push(B.t('rules.except_industries', { v: industries(rule.excluded_industries) })); }
    Object.keys(rule.feature_filter || {}).forEach(function (name) {
      parts.push(B.t('rules.feature_filter', { name: B.t('attr.' + rule.kind + '.' + name),
        v: rule.feature_filter[name].map(function (v) { return B.t('value.' + rule.kind + '.' + name + '.' + v); }).join(sep) }));
    });
    if (rule.linear_infrastructure === true) { parts.push(B.t('rules.linear_only')); }
    if (rule.linear_infrastructure === false) { parts.push(B.t('rules.linear_never')); }
    if (rule.protected) { parts.push(B.t('rules.protected')); }
    return '<div class="small">' + B.escapeHtml(text(rule.message)) + '</div><ul class="small text-muted mb-0 rule-conditions">' +
      parts.map(function (part) { return '<li>' + B.escapeHtml(part) + '</li>'; }).join('') + '</ul>';
  }

  /** Who loaded a version, in the page's language where the platform wrote it: the shipped rules (migration
   * 0011) and `blueprint rules load` (the command line and the operating-system user); else as stored. */
  function actorText(actor) {
    if (actor === 'shipped with the platform') { return B.t('rules.shipped'); }
    var command = /^command line \((.*)\)$/.exec(actor || '');
    return command ? B.t('rules.by_command_line', { user: command[1] }) : (actor || '—');
  }

  function ruleRow(rule) {
    var row = document.createElement('tr');
    row.setAttribute('data-rule-id', rule.id);
    row.innerHTML = '<td>' + B.escapeHtml(B.t('kind.' + rule.kind)) + '<div class="small"><code>' + B.escapeHtml(rule.id) +
      '</code></div></td><td>' + condition(rule) + '</td><td>' + severityHtml(rule.severity) + '</td><td>' +
      B.escapeHtml(B.t('department.' + rule.department)) + '</td><td class="small">' + B.escapeHtml(text(rule.follow_up)) + '</td>';
    return row;
  }

  function verdictCell(verdict) {
    return '<td class="verdict-' + verdict + '" title="' + B.escapeHtml(B.t('rules.verdict.' + verdict)) + '">' +
      B.escapeHtml(B.t(VERDICT_MARK[verdict])) + '</td>';
  }

  /** Rows: the intended classes the rules list; columns: every planned first-level class. */
  function renderMatrix(pairs) {
    var classes = cfg.landUseClasses;
    var head = '<thead><tr><th scope="col">' + B.escapeHtml(B.t('rules.intended_planned')) + '</th>' +
      classes.map(function (code) {
        return '<th scope="col" title="' + B.escapeHtml(B.t('landuse.' + code)) + '">' + B.escapeHtml(code) + '</th>';
      }).join('') + '</tr></thead>';
    var body = Object.keys(pairs).sort().map(function (intended) {
      return '<tr><th scope="row" class="text-nowrap">' + B.escapeHtml(intended + ' ' + B.t('landuse.' + intended)) + '</th>' +
        classes.map(function (planned) {
          var verdict = planned === intended ? 'allowed' : (pairs[intended][planned] || 'blocking');
          return verdictCell(verdict);
        }).join('') + '</tr>';
    }).join('');
    section('matrix-table').innerHTML = head + '<tbody>' + body + '</tbody>';
  }

  function renderRuleSet(rules, history) {
    var entry = history.filter(function (h) { return h.version === rules.version; })[0] || {};
    var inForce = history.length && history[0].version === rules.version;
    section('rules-version-heading').textContent = B.t('rules.version_n', { n: rules.version }) +
      (inForce ? ' · ' + B.t('rules.in_force') : '');
    section('rules-version-facts').textContent = B.t('rules.loaded', {
      at: (entry.loaded_at || '').slice(0, 16).replace('T', ' '), by: actorText(entry.actor) }) + ' · SHA-256 ' + rules.digest.slice(0, 12);
    polluting = rules.polluting_industries;
    var rows = section('rules-rows');
    rows.innerHTML = '';
    rules.rules.forEach(function (rule) { rows.appendChild(ruleRow(rule)); });
    renderMatrix(rules.land_use_compatibility);
    section('polluting-list').textContent = polluting.join(B.t('rules.list_separator'));
    ['rules-version', 'rules-list-section', 'matrix-section', 'polluting-section'].forEach(show);
  }

  function renderHistory(history, shown) {
    section('history-rows').innerHTML = history.map(function (entry) {
      return '<tr data-version="' + entry.version + '"><td><a href="/rules?version=' + entry.version + '&lang=' + lang + '"' +
        (entry.version === shown ? ' aria-current="page"' : '') + '>' + B.escapeHtml(B.t('rules.version_n', { n: entry.version })) +
        '</a></td><td>' + B.escapeHtml(entry.loaded_at.slice(0, 16).replace('T', ' ')) + '</td><td>' + B.escapeHtml(actorText(entry.actor)) +
        '</td><td><code>' + B.escapeHtml(entry.digest.slice(0, 12)) + '</code></td></tr>';
    }).join('');
    var options = history.map(function (entry) {
      return '<option value="' + entry.version + '">' + B.escapeHtml(B.t('rules.version_n', { n: entry.version })) + '</option>';
    }).join('');
    section('diff-from').innerHTML = options;
    section('diff-to').innerHTML = options;
    section('diff-to').value = String(shown);
    section('diff-from').value = String(shown > 1 ? shown - 1 : shown);
    show('history-section');
  }

  /** A field's value as a person reads it. */
  function valueText(key, value) {
    if (value === null || value === undefined) { return '—'; }
    if (key === 'severity') { return value === 'by_compatibility' ? B.t('rules.by_compatibility') : B.t('severity.' + value); }
    if (key === 'department') { return B.t('department.' + value); }
    if (value && typeof value === 'object' && value.zh !== undefined) { return value[lang]; }
    if (Array.isArray(value)) { return value.join(B.t('rules.list_separator')); }
    if (typeof value === 'boolean') { return B.t(value ? 'rules.yes' : 'rules.no'); }
    if (typeof value === 'object') { return JSON.stringify(value); }
    return String(value);
  }

  function ruleTitle(rule) { return B.escapeHtml(B.t('kind.' + rule.kind)) + ' <code>' + B.escapeHtml(rule.id) + '</code>'; }

  function renderDiff(diff) {
    var html = '<h3 class="h6">' + B.escapeHtml(B.t('rules.diff_title', { from: diff.from_version || '—', to: diff.to_version })) + '</h3>';
    var nothing = !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.land_use_compatibility.length &&
      !diff.polluting_industries.added.length && !diff.polluting_industries.removed.length;
    if (nothing) { html += '<p class="small" id="diff-nothing">' + B.escapeHtml(B.t('rules.diff_none')) + '</p>'; }
    [['added', 'rules.diff_added'], ['removed', 'rules.diff_removed']].forEach(function (spec) {
      if (!diff[spec[0]].length) { return; }
      html += '<div class="fw-bold small">' + B.escapeHtml(B.t(spec[1])) + '</div><ul class="small diff-' + spec[0] + '">' +
        diff[spec[0]].map(function (rule) {
          return '<li data-rule-id="' + B.escapeHtml(rule.id) + '">' + ruleTitle(rule) + ' · ' + severityHtml(rule.severity) + '</li>';
        }).join('') + '</ul>';
    });
    if (diff.changed.length) {
      html += '<div class="fw-bold small">' + B.escapeHtml(B.t('rules.diff_changed')) + '</div><ul class="small diff-changed">' +
        diff.changed.map(function (rule) {
          return '<li data-rule-id="' + B.escapeHtml(rule.id) + '">' + ruleTitle(rule) + '<ul>' +
            Object.keys(rule.fields).map(function (key) {
              return '<li data-field="' + B.escapeHtml(key) + '">' + B.escapeHtml(B.t('rules.field.' + key)) + B.escapeHtml(lang === 'zh' ? '：' : ': ') +
                '<del>' + B.escapeHtml(valueText(key, rule.fields[key].old)) + '</del> → <ins>' +
                B.escapeHtml(valueText(key, rule.fields[key].new)) + '</ins></li>';
            }).join('') + '</ul></li>';
        }).join('') + '</ul>';
    }
    if (diff.land_use_compatibility.length) {
      html += '<div class="fw-bold small">' + B.escapeHtml(B.t('rules.diff_matrix')) + '</div><ul class="small diff-matrix">' +
        diff.land_use_compatibility.map(function (pair) {
          return '<li>' + B.escapeHtml(B.t('rules.pair', { intended: pair.intended + ' ' + B.t('landuse.' + pair.intended),
            planned: pair.planned + ' ' + B.t('landuse.' + pair.planned) })) + B.escapeHtml(lang === 'zh' ? '：' : ': ') + '<del>' +
            B.escapeHtml(B.t('rules.verdict.' + pair.old)) + '</del> → <ins>' + B.escapeHtml(B.t('rules.verdict.' + pair.new)) + '</ins></li>';
        }).join('') + '</ul>';
    }
    var industriesChanged = diff.polluting_industries;
    if (industriesChanged.added.length || industriesChanged.removed.length) {
      html += '<div class="fw-bold small">' + B.escapeHtml(B.t('rules.diff_polluting')) + '</div><ul class="small diff-polluting">' +
        (industriesChanged.added.length ? '<li>' + B.escapeHtml(B.t('rules.diff_added')) + B.escapeHtml(lang === 'zh' ? '：' : ': ') +
          B.escapeHtml(industriesChanged.added.join(B.t('rules.list_separator'))) + '</li>' : '') +
        (industriesChanged.removed.length ? '<li>' + B.escapeHtml(B.t('rules.diff_removed')) + B.escapeHtml(lang === 'zh' ? '：' : ': ') +
          B.escapeHtml(industriesChanged.removed.join(B.t('rules.list_separator'))) + '</li>' : '') + '</ul>';
    }
    section('diff-result').innerHTML = html;
  }

  function compare(from, to) {
    var result = section('diff-result');
    B.showMessage(result, 'light', B.escapeHtml(B.t('proposal.loading')));
    return B.api('/rule-sets/' + encodeURIComponent(to) + '/diff?against=' + encodeURIComponent(from)).then(renderDiff, function (error) {
      B.showMessage(result, 'danger', B.escapeHtml(B.problemText(error)));
    });
  }

  function load() {
    B.api('/rule-sets').then(function (history) {
      var version = cfg.ruleSetVersion || (history[0] && history[0].version);
      return B.api('/rule-sets/' + encodeURIComponent(version)).then(function (rules) {
        message.innerHTML = '';
        renderRuleSet(rules, history);
        renderHistory(history, rules.version);
        if (rules.version > 1) { compare(rules.version - 1, rules.version); }
      });
    }).catch(function (error) {
      B.showMessage(message, 'danger', B.escapeHtml(B.problemText(error)));
    });
  }

  section('diff-form').addEventListener('submit', function (event) {
    event.preventDefault();
    compare(section('diff-from').value, section('diff-to').value);
  });
  B.ready(load);
})();
