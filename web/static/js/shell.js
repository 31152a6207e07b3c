/*
 * The page frame on every screen (base.html): the panel as a bottom sheet on a phone, the map following its
 * container's size, and list rows that open with the keyboard as they do with a click.
 *
 *   - The sheet's handle (#sheet-toggle) switches the panel between half the screen and most of it
 *     (data-sheet="half" | "full"); on wider screens the handle is hidden and the panel is a side column.
 *   - Whenever the map's box changes size (the sheet moves, the window turns), Leaflet is told to
 *     recompute its size, so no tile row stays grey.
 *   - Blueprint.activatable(row, open): a list item or table row that does something on click is focusable
 *     and opens with Enter or Space too.
 *   - A file field speaks the page's language: the browser draws its button and "no file" text in the
 *     browser's own language, so the native control is hidden behind a button and a file name of ours.
 */
(function () {
  'use strict';

  function initSheet() {
    var panel = document.getElementById('side-panel');
    var handle = document.getElementById('sheet-toggle');
    if (!panel || !handle) { return; }
    handle.addEventListener('click', function () {
      var full = panel.getAttribute('data-sheet') !== 'full';
      panel.setAttribute('data-sheet', full ? 'full' : 'half');
      handle.setAttribute('aria-expanded', full ? 'true' : 'false');
      handle.querySelector('.sheet-label').textContent =
        handle.getAttribute(full ? 'data-label-collapse' : 'data-label-expand');
    });
  }

  function followMapSize() {
    var map = window.Blueprint && window.Blueprint.map();
    if (!map || !window.ResizeObserver) { return; }
    new ResizeObserver(function () { map.invalidateSize({ pan: false }); }).observe(map.getContainer());
  }

  /**
   * Make a list item or table row that does something on click reachable with Tab and opened with Enter or
   * Space, as the ARIA practice for clickable rows says; a link or button inside the row keeps its own keys.
   */
  function activatable(row, open) {
    row.tabIndex = 0;
    row.setAttribute('data-activate', '');
    row.addEventListener('click', open);
  }

  function initActivatableRows() {
    document.addEventListener('keydown', function (event) {
      var row = event.target;
      if ((event.key === 'Enter' || event.key === ' ') && row.hasAttribute && row.hasAttribute('data-activate')) {
        event.preventDefault();
        row.click();
      }
    });
  }

  /** Our own button and file name in front of a file field: the button takes the focus and opens the field's
   * dialog (so the keyboard reaches it), named by the field's label and followed by the chosen file's name. */
  function pickFilesInPageLanguage(input) {
    var t = window.Blueprint.t;
    var picker = document.createElement('span');
    picker.className = 'file-picker';
    var button = document.createElement('button');
    button.type = 'button';
    button.id = (input.id || 'file') + '-choose';
    button.className = 'btn btn-sm btn-outline-secondary';
    button.textContent = t(input.multiple ? 'file.choose_many' : 'file.choose');
    var name = document.createElement('span');
    name.className = 'file-picker-name';
    name.setAttribute('aria-live', 'polite');
    name.textContent = t('file.none');
    picker.appendChild(button);
    picker.appendChild(name);
    name.id = (input.id || 'file') + '-chosen';
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    if (label) {
      label.id = label.id || input.id + '-label';
      button.setAttribute('aria-labelledby', label.id + ' ' + button.id);
    }
    button.setAttribute('aria-describedby', name.id);
    input.classList.add('file-picker-input');
    input.tabIndex = -1;
    input.setAttribute('aria-hidden', 'true');
    input.insertAdjacentElement('afterend', picker);
    button.addEventListener('click', function () { input.click(); });
    input.addEventListener('change', function () {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      name.textContent = names.length ? names.join(', ') : t('file.none');
    });
  }

  function start() {
    initSheet();
    followMapSize();
    initActivatableRows();
    pickAll(document);
    labelStackedCells(document);
    // pages draw forms and tables from the API's answers: they get the same treatment when they appear
    new MutationObserver(function (changes) {
      var tables = new Set();  // rows appended one by one label their table once, not once a row
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (!node.querySelectorAll) { return; }
          pickAll(node);
          tables.add(node.closest('table') || node);
        });
      });
      tables.forEach(labelStackedCells);
    }).observe(document.body, { childList: true, subtree: true });
  }

  /** Each cell of a stack-on-phone table but the first gets its column's name (data-label), which the phone
   * layout shows before the value. */
  function labelStackedCells(root) {
    var tables = root.matches && root.matches('table.stack-on-phone') ? [root]
      : root.querySelectorAll('table.stack-on-phone');
    Array.prototype.forEach.call(tables, function (table) {
      if (!table.tHead || !table.tHead.rows.length) { return; }
      var names = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) { return cell.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, index) {
            if (index > 0 && names[index] && !cell.hasAttribute('data-label')) { cell.setAttribute('data-label', names[index]); }
          });
        });
      });
    });
  }

  function pickAll(root) {
    var fields = root.matches && root.matches('input[type=file]') ? [root] : root.querySelectorAll('input[type=file]');
    Array.prototype.forEach.call(fields, function (input) {
      if (!input.classList.contains('file-picker-input')) { pickFilesInPageLanguage(input); }
    });
  }

  window.Blueprint.activatable = activatable;
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
