/* The console's scene page: the visitors' Pannellum viewer (the page's #scene-data is the
   configuration tours/viewers.py builds, this scene only). A click that is not a drag puts its
   angles (viewer.mouseEventToCoords) into the yaw/pitch fields of the hotspot form last used
   (the new hotspot's by default) and shows the point; "Use the current view" fills the
   initial view, "North is where I look now" the north offset (Pannellum's compass shows
   yaw + northOffset, so looking north means northOffset = -yaw). window.consoleViewer is the
   viewer; hotspots carry data-hotspot="hotspot-<id>" as on the visitors' page. */
(function () {
  'use strict';
  var body = document.body;
  var config = JSON.parse(document.getElementById('scene-data').textContent);
  var container = document.getElementById('panorama');
  var viewer = pannellum.viewer(container, config);
  window.consoleViewer = viewer;
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[data-aim]'));
  var aimed = document.getElementById('new-hotspot');
  var down = null;

  function round(value) { return Math.round(value * 100) / 100; }
  function yaw(value) { return ((value + 540) % 360) - 180; }
  function set(form, name, value) {
    var input = form.querySelector('[data-aim=' + name + '], [data-view=' + name + ']');
    if (input) { input.value = String(round(value)); }
  }
  function aim(form) {
    aimed = form;
    forms.forEach(function (f) { f.classList.toggle('aimed', f === form); });
  }
  function mark(pitch, at) {
    try { viewer.removeHotSpot('aim'); } catch (e) { /* none yet */ }
    viewer.addHotSpot({ id: 'aim', pitch: pitch, yaw: at, type: 'info', cssClass: 'pnlm-hotspot pnlm-sprite pnlm-info console-aim' });
  }
  function place(pitch, at) {
    set(aimed, 'yaw', yaw(at));
    set(aimed, 'pitch', pitch);
    mark(pitch, yaw(at));
    body.setAttribute('data-aimed', round(yaw(at)) + ',' + round(pitch));
  }
  forms.forEach(function (form) {
    form.addEventListener('focusin', function () { aim(form); });
  });
  aim(aimed);
  container.addEventListener('pointerdown', function (event) {
    down = { x: event.clientX, y: event.clientY };
  }, true);
  container.addEventListener('pointerup', function (event) {
    if (!down || Math.abs(event.clientX - down.x) > 3 || Math.abs(event.clientY - down.y) > 3) {
      down = null;
      return;
    }
    down = null;
    if (event.target.closest && event.target.closest('.pnlm-controls-container, .pnlm-compass')) { return; }
    var coords = viewer.mouseEventToCoords(event);
    place(coords[0], coords[1]);
  }, true);

  var centre = document.querySelector('[data-use=centre]');
  var current = document.querySelector('[data-use=view]');
  var north = document.querySelector('[data-use=north]');
  [centre, current, north].forEach(function (button) { if (button) { button.hidden = false; } });
  if (centre) {
    centre.addEventListener('click', function () { place(viewer.getPitch(), viewer.getYaw()); });
  }
  if (current) {
    current.addEventListener('click', function () {
      var form = document.getElementById('scene-form');
      set(form, 'yaw', yaw(viewer.getYaw()));
      set(form, 'pitch', viewer.getPitch());
      set(form, 'hfov', viewer.getHfov());
    });
  }
  if (north) {
    north.addEventListener('click', function () {
      document.getElementById('north').value = String(round(yaw(-viewer.getYaw())));
    });
  }
  function loaded() {
    if (!viewer.isLoaded()) { return; }
    viewer.getConfig().hotSpots.forEach(function (spot) {
      if (spot.div && spot.id) { spot.div.setAttribute('data-hotspot', spot.id); }
    });
    body.setAttribute('data-loaded', viewer.getScene());
  }
  viewer.on('load', loaded);
  window.setInterval(loaded, 250);
  viewer.on('error', function (message) { body.setAttribute('data-error', String(message)); });
})();
