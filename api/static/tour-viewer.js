/* The tour viewer page: Pannellum by default, Marzipano with ?viewer=marzipano (the page
   data says which), both from the configurations of tours/viewers.py. A deep link
   (?scene=<Scene id>&yaw=&pitch=&hfov=) is in the API's terms: degrees, up is a positive
   pitch, horizontal field of view. Each hotspot element carries data-hotspot="hotspot-<id>";
   window.tourViewer is the viewer object (pannellum.Viewer or Marzipano.Viewer). */
(function () {
  'use strict';
  var body = document.body;
  function fail(message) {
    body.setAttribute('data-error', String(message));
  }
  window.addEventListener('error', function (event) { fail(event.message); });
  var data = JSON.parse(document.getElementById('tour-data').textContent);
  var params = new URLSearchParams(window.location.search);
  var wanted = data.sceneKeys[params.get('scene') || ''];
  var asked = {};
  if (wanted) {
    ['yaw', 'pitch', 'hfov'].forEach(function (name) {
      var value = parseFloat(params.get(name));
      if (!isNaN(value)) { asked[name] = value; }
    });
  }
  function current(scene) {
    document.querySelectorAll('[data-scene]').forEach(function (button) {
      button.setAttribute('aria-current', button.dataset.scene === scene ? 'true' : 'false');
    });
  }

  function openPannellum(config) {
    if (wanted) {
      config['default'].firstScene = wanted;
      Object.keys(asked).forEach(function (name) { config.scenes[wanted][name] = asked[name]; });
    }
    var viewer = pannellum.viewer('panorama', config);
    window.tourViewer = viewer;
    function loaded() {
      if (!viewer.isLoaded()) { return; }
      viewer.getConfig().hotSpots.forEach(function (spot) {
        if (spot.div && spot.id) { spot.div.setAttribute('data-hotspot', spot.id); }
      });
      body.setAttribute('data-loaded', viewer.getScene());
    }
    viewer.on('load', loaded);
    window.setInterval(loaded, 250);
    viewer.on('error', function (message) { fail(message); });
    viewer.on('scenechange', current);
    return function (key) { viewer.loadScene(key); };
  }

  /* Marzipano's view fov is vertical: the configuration gives the horizontal one, and this
     limiter keeps it whatever the viewport's aspect, converting at each size (a resize or a
     phone turned keeps what the visitor sees across, as Pannellum does). */
  function horizontalFov(hfov, limits) {
    var convert = Marzipano.util.convertFov;
    var size = { width: 0, height: 0 };
    return function (view) {
      var width = view.width, height = view.height;
      if (!(width > 0 && height > 0)) { return view; }
      if (width !== size.width || height !== size.height) {
        size = { width: width, height: height };
        view.fov = convert.htov(hfov, width, height);
      }
      hfov = Math.min(Math.max(convert.vtoh(view.fov, width, height), limits.min), limits.max);
      view.fov = convert.htov(hfov, width, height);
      return view;
    };
  }

  function openMarzipano(config) {
    var viewer = new Marzipano.Viewer(document.getElementById('panorama'),
      { controls: { mouseViewMode: config.settings.mouseViewMode } });
    window.tourViewer = viewer;
    var scenes = {};
    var shown = null;
    function hotspot(scene, spot, className, action) {
      var wrapper = document.createElement('div');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'tour-hotspot ' + className;
      button.setAttribute('data-hotspot', spot.id);
      button.setAttribute('aria-label', spot.title || '');
      button.title = spot.title || '';
      if (action) { button.addEventListener('click', action); }
      wrapper.appendChild(button);
      scene.hotspotContainer().createHotspot(wrapper, { yaw: spot.yaw, pitch: spot.pitch });
    }
    function open(key, view) {
      var entry = scenes[key];
      if (!entry) { return; }
      var start = entry.data.initialViewParameters;
      view = view || {};
      var hfov = view.hfov != null ? view.hfov : start.hfov;
      entry.scene.view().setLimiter(null);
      entry.scene.view().setParameters({
        yaw: view.yaw != null ? view.yaw : start.yaw,
        pitch: view.pitch != null ? view.pitch : start.pitch,
        // A configuration in Marzipano Tool's shape (vertical fov) is read as it is.
        fov: hfov != null ? hfov : start.fov
      });
      entry.scene.view().setLimiter(Marzipano.util.compose(
        hfov != null ? horizontalFov(hfov, entry.data.hfovLimits ||
                                           { min: 0, max: Math.PI })
          : function (v) { return v; },
        Marzipano.RectilinearView.limit.pitch(-Math.PI / 2, Math.PI / 2)));
      shown = key;
      body.removeAttribute('data-loaded');
      entry.scene.switchTo({ transitionDuration: 600 });
      current(key);
    }
    config.scenes.forEach(function (data) {
      var source = Marzipano.ImageUrlSource.fromString(data.urlTemplate, {
        cubeMapPreviewUrl: data.cubeMapPreviewUrl,
        cubeMapPreviewFaceOrder: data.cubeMapPreviewFaceOrder
      });
      var scene = viewer.createScene({
        source: source, geometry: new Marzipano.CubeGeometry(data.levels),
        view: new Marzipano.RectilinearView(), pinFirstLevel: true
      });
      scene.layer().textureStore().addEventListener('textureError', function (tile, error) {
        fail('tile ' + tile + ': ' + (error && error.message || error));
      });
      scenes[data.id] = { scene: scene, data: data };
      (data.linkHotspots || []).forEach(function (spot) {
        hotspot(scene, spot, 'tour-hotspot-scene', function () {
          open(spot.target, { yaw: spot.targetYaw, pitch: spot.targetPitch });
        });
      });
      (data.infoHotspots || []).forEach(function (spot) {
        hotspot(scene, spot, 'tour-hotspot-' + (spot.kind || 'info'), null);
      });
    });
    viewer.stage().addEventListener('renderComplete', function (stable) {
      if (stable && shown) { body.setAttribute('data-loaded', shown); }
    });
    var first = wanted || (config.scenes[0] && config.scenes[0].id);
    var deg = Math.PI / 180;
    open(first, wanted ? {
      yaw: asked.yaw != null ? asked.yaw * deg : null,
      pitch: asked.pitch != null ? -asked.pitch * deg : null, // Marzipano: down is positive
      hfov: asked.hfov != null ? asked.hfov * deg : null
    } : null);
    return open;
  }

  function start(show) {
    document.querySelectorAll('[data-scene]').forEach(function (button) {
      button.addEventListener('click', function () { show(button.dataset.scene); });
    });
  }
  if (data.viewer !== 'marzipano') {
    start(openPannellum(data.pannellum));
  } else { // the page's template loads Pannellum; Marzipano is loaded only when asked for
    var script = document.createElement('script');
    script.src = '/assets/marzipano/marzipano.js';
    script.onload = function () { start(openMarzipano(data.marzipano)); };
    script.onerror = function () { fail('Marzipano could not be loaded'); };
    document.head.appendChild(script);
  }
})();
