/*
 * The layer panel (macro layer_panel of web/templates/macros.html): each planning layer's visibility,
 * opacity and zoom-to-layer (the extent of its current version, WGS84), the proposals' overlay toggle and
 * the basemap switch (configured basemaps only: BLUEPRINT_BASEMAPS, see web/settings.py). Every control is
 * a real input or button with a label, so the panel works from the keyboard; the groups and legends fold
 * with <details>.
 *
 * What a control does to a layer lives in the few functions of Blueprint.layerPanel (setVisible,
 * setOpacity, zoomTo, switchBasemap), so a change of how layers are drawn changes them alone.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var overlays = {};

  function entryById(id) {
    return B.config.layers.filter(function (entry) { return String(entry.id) === String(id); })[0];
  }

  /** Show or hide a planning layer, named by its JavaScript variable. */
  function setVisible(variable, shown) {
    var layer = window[variable];
    if (shown) { B.map().addLayer(layer); } else { B.map().removeLayer(layer); }
  }

  /** A planning layer's opacity (0 to 1): the layer fades as a whole, fills and outlines together. */
  function setOpacity(variable, opacity) { window[variable].setOpacity(opacity); }

  /** Fit the map to a layer's extent (west, south, east, north). */
  function zoomTo(id) {
    var extent = (entryById(id) || {}).extent;
    if (!extent) { return false; }
    B.map().fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]], { padding: [16, 16], animate: false });
    return true;
  }

  /** A page's own overlay (the proposals on the blueprint map) under the toggle data-overlay-toggle=name. */
  function registerOverlay(name, layer) {
    overlays[name] = layer;
    var box = document.querySelector('[data-overlay-toggle="' + name + '"]');
    if (box && !box.checked) { B.map().removeLayer(layer); }
  }

  /** Show the basemap of this variable and no other ('' for none); the GCJ-02 note follows the choice. */
  function switchBasemap(variable) {
    var crs = null;
    (B.config.basemaps || []).forEach(function (basemap) {
      var layer = window[basemap.variable];
      if (basemap.variable === variable) {
        crs = basemap.crs;
        if (!B.map().hasLayer(layer)) { B.map().addLayer(layer); }
      } else if (B.map().hasLayer(layer)) {
        B.map().removeLayer(layer);
      }
    });
    var note = document.getElementById('basemap-note');
    if (note && note.classList.contains('map-note-warning')) { note.classList.toggle('d-none', crs !== 'GCJ02'); }
  }

  function bind() {
    document.querySelectorAll('[data-layer-toggle]').forEach(function (box) {
      box.addEventListener('change', function () { setVisible(box.getAttribute('data-layer-toggle'), box.checked); });
    });
    document.querySelectorAll('[data-layer-opacity]').forEach(function (slider) {
      var output = slider.parentNode.querySelector('[data-opacity-output]');
      slider.addEventListener('input', function () {
        setOpacity(slider.getAttribute('data-layer-opacity'), Number(slider.value) / 100);
        if (output) { output.textContent = slider.value + '%'; }
      });
    });
    document.querySelectorAll('[data-layer-zoom]').forEach(function (button) {
      button.addEventListener('click', function () { zoomTo(button.getAttribute('data-layer-zoom')); });
    });
    document.querySelectorAll('[data-overlay-toggle]').forEach(function (box) {
      box.addEventListener('change', function () {
        var layer = overlays[box.getAttribute('data-overlay-toggle')];
        if (!layer) { return; }
        if (box.checked) { B.map().addLayer(layer); } else { B.map().removeLayer(layer); }
      });
    });
    document.querySelectorAll('input[name="basemap"]').forEach(function (radio) {
      radio.addEventListener('change', function () { if (radio.checked) { switchBasemap(radio.value); } });
    });
  }

  B.ready(function () {
    if (B.config.map && B.map()) { bind(); }
  });

  B.layerPanel = { setVisible: setVisible, setOpacity: setOpacity, zoomTo: zoomTo, registerOverlay: registerOverlay,
    switchBasemap: switchBasemap };
})();
