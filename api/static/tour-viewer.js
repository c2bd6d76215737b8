(function () {
  'use strict';
  var body = document.body;
  function fail(message) {
    body.setAttribute('data-error', String(message));
  }
  window.addEventListener('error', function (event) { fail(event.message); });
  var data = JSON.parse(document.getElementById('tour-data').textContent);
  var config = data.pannellum;
  var params = new URLSearchParams(window.location.search);
  var wanted = data.sceneKeys[params.get('scene') || ''];
  if (wanted) {
    config['default'].firstScene = wanted;
    ['yaw', 'pitch', 'hfov'].forEach(function (name) {
      var value = parseFloat(params.get(name));
      if (!isNaN(value)) { config.scenes[wanted][name] = value; }
    });
  }
  var viewer = pannellum.viewer('panorama', config);
  function loaded() {
    if (viewer.isLoaded()) { body.setAttribute('data-loaded', viewer.getScene()); }
  }
  viewer.on('load', loaded);
  window.setInterval(loaded, 250);
  viewer.on('error', function (message) { fail(message); });
  viewer.on('scenechange', function (scene) {
    document.querySelectorAll('[data-scene]').forEach(function (button) {
      button.setAttribute('aria-current', button.dataset.scene === scene ? 'true' : 'false');
    });
  });
  document.querySelectorAll('[data-scene]').forEach(function (button) {
    button.addEventListener('click', function () { viewer.loadScene(button.dataset.scene); });
  });
})();
