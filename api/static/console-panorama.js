/* The console's panorama upload with a progress bar: the form (which without JavaScript posts
   the file to the console) is sent in three steps instead: a presigned POST is asked for, the
   file goes straight to the store with XMLHttpRequest (its upload progress events fill the
   bar), the upload is recorded as a PENDING panorama; then its ingest status is polled until
   it is READY or FAILED, and the page is shown again. A store the browser cannot reach (a
   bucket without CORS for the console) falls back to the form's own post for a small file. */
(function () {
  'use strict';
  var form = document.getElementById('panorama-upload');
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var csrf = form.querySelector('input[name=csrf]').value;

  function say(text) { status.textContent = text; }
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set('csrf', csrf);
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
                        headers: { Accept: 'application/json' } })
      .then(function (answer) {
        return answer.json().then(function (data) {
          if (!answer.ok) { throw new Error(data.message || data.code || answer.status); }
          return data;
        });
      });
  }
  function send(issued, file) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(issued.fields).forEach(function (name) { data.append(name, issued.fields[name]); });
      data.append('file', file);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', issued.url);
      xhr.upload.addEventListener('progress', function (event) {
        if (!event.lengthComputable) { return; }
        bar.max = event.total;
        bar.value = event.loaded;
        say(form.dataset.sent.replace('{sent}', event.loaded).replace('{total}', event.total));
      });
      xhr.addEventListener('load', function () {
        if (xhr.status >= 200 && xhr.status < 300) { resolve(issued.key); return; }
        var message = xhr.status;
        try { message = JSON.parse(xhr.responseText).message || message; } catch (e) { /* S3's XML */ }
        reject(new Error(message));
      });
      xhr.addEventListener('error', function () { reject(new Error('network')); });
      xhr.send(data);
    });
  }
  function follow(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (answer) { return answer.json(); })
      .then(function (data) {
        say(form.dataset.tiling + ' ' + data.words);
        form.setAttribute('data-ingest', data.status);
        if (data.status === 'pending') {
          return new Promise(function (resolve) { window.setTimeout(resolve, 1000); })
            .then(function () { return follow(url); });
        }
        window.location.assign(window.location.pathname + '?saved=upload#panoramas');
        return data;
      });
  }
  form.addEventListener('submit', function (event) {
    var file = form.querySelector('input[type=file]').files[0];
    if (!file) { return; }
    event.preventDefault();
    form.querySelector('.progress').hidden = false;
    form.querySelector('button[type=submit]').disabled = true;
    bar.value = 0;
    post(form.dataset.request, { content_type: file.type })
      .then(function (issued) { return send(issued, file); })
      .then(function (key) { return post(form.dataset.register, { key: key }); })
      .then(function (panorama) { form.setAttribute('data-panorama', panorama.id); return follow(panorama.statusUrl); })
      .catch(function (error) {
        if (error.message === 'network' && file.size <= Number(form.dataset.directMax)) {
          form.submit(); // the store cannot be reached from here: the console takes the file
          return;
        }
        say(form.dataset.failed + ' ' + error.message);
        form.setAttribute('data-ingest', 'refused');
        form.querySelector('button[type=submit]').disabled = false;
      });
  });
})();
