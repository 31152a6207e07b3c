/*
 * Planning features in words (identify popups): attribute names and values in the page's language.
 *
 * The words are the page's labels (web/i18n.py), which carry each layer kind's attribute schema
 * (layers/attributes.py: attr.<kind>.<name>, value.<kind>.<name>.<value>), the land-use classes of
 * layers/land_use.py (landuse.<code>), the district names of the shipped division list (district.<code>),
 * the descriptive properties the schemas do not check (attr.<name>: names and codes) and units (unit.<name>).
 * Areas are given in m², 亩 and 公顷. Properties no label names are shown as stored, under their own heading.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var HIDDEN = { area_m2: true, landuse_name: true, landuse_name_en: true, crs_note: true };
  var FIRST = ['name', 'parcel_code', 'zone_code', 'redline_code', 'line_code', 'landuse_code'];

  function has(key) { return B.config.labels[key] !== undefined; }

  function bracketed(text) { return B.config.lang === 'zh' ? '（' + text + '）' : ' (' + text + ')'; }

  function capitalised(text) {
    return B.config.lang === 'en' ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  /** The name of a feature's attribute in the page's language, or null when no label names it. */
  function attributeName(kind, name) {
    if (has('attr.' + kind + '.' + name)) { return capitalised(B.t('attr.' + kind + '.' + name)); }
    return has('attr.' + name) ? B.t('attr.' + name) : null;
  }

  /** A value in words: a land-use class by name (and code), a district by name, a coded value by its name,
   *  a number with its unit; anything else as stored. */
  function attributeValue(kind, name, value) {
    var text = String(value);
    if (name === 'landuse_code') {
      var key = has('landuse.' + text) ? 'landuse.' + text : 'landuse.' + text.slice(0, 2);
      return has(key) ? B.t(key) + bracketed(text) : text;
    }
    if ((name === 'district_code' || name === 'adcode') && has('district.' + text)) {
      return B.t('district.' + text) + bracketed(text);
    }
    if (has('value.' + kind + '.' + name + '.' + text)) { return B.t('value.' + kind + '.' + name + '.' + text); }
    if (typeof value === 'number') {
      return has('unit.' + name) ? B.t('unit.' + name, { v: B.number(value, 2) }) : B.number(value, 4);
    }
    return text;
  }

  function row(label, value) {
    return '<tr><th scope="row">' + B.escapeHtml(label) + '</th><td>' + B.escapeHtml(value) + '</td></tr>';
  }

  /** One feature of a planning layer (config entry of the layer) as popup HTML. */
  function describe(entry, properties) {
    var keys = Object.keys(properties).filter(function (key) {
      var value = properties[key];
      return !HIDDEN[key] && value !== null && value !== undefined && value !== '';
    });
    keys.sort(function (a, b) {
      var rank = function (key) {
        var first = FIRST.indexOf(key);
        return first >= 0 ? first : FIRST.length + (attributeName(entry.kind, key) ? 0 : 1);
      };
      return rank(a) - rank(b);
    });
    var named = keys.filter(function (key) { return attributeName(entry.kind, key); });
    var others = keys.filter(function (key) { return !attributeName(entry.kind, key); });
    var landUse = properties.landuse_code
      ? '<div class="identify-class"><span class="swatch" style="background:' +
        B.escapeHtml(B.style(entry.kind, properties).fillColor) + '"></span>' +
        B.escapeHtml(attributeValue(entry.kind, 'landuse_code', properties.landuse_code)) + '</div>' : '';
    var area = properties.area_m2 !== undefined && properties.area_m2 !== null
      ? '<div class="identify-area">' + B.labelled('attr.area') + B.formatAreaFull(properties.area_m2) + '</div>' : '';
    var rows = named.map(function (key) {
      return row(attributeName(entry.kind, key), attributeValue(entry.kind, key, properties[key]));
    }).join('');
    var raw = others.length ? '<tr><th colspan="2" class="identify-other">' + B.escapeHtml(B.t('attr.other')) +
      '</th></tr>' + others.map(function (key) { return row(key, properties[key]); }).join('') : '';
    return '<div class="identify-feature"><div class="identify-layer">' + B.escapeHtml(B.t('kind.' + entry.kind)) +
      ' <small class="text-muted">' + B.escapeHtml(entry.name) + '</small></div>' + landUse + area +
      '<table class="table table-sm identify-table"><tbody>' + rows + raw + '</tbody></table></div>';
  }

  B.featureWords = { describe: describe, attributeName: attributeName, attributeValue: attributeValue };
})();
