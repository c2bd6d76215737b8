// The console's photo forms (form[data-upload]), made nicer where scripts run: a preview of
// the chosen photo before it is sent, its size checked first, then the same form posted with
// a progress bar; the photos the answer lists join the page's list, so that what was typed
// in the page's other form stays. Without this script the form posts as it is.
(function () {
  'use strict';

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
  }

  function setup(form) {
    var input = form.querySelector('input[type=file]');
    var figure = form.querySelector('figure.preview');
    var image = figure.querySelector('img');
    var caption = figure.querySelector('figcaption');
    var progressBox = form.querySelector('p.progress');
    var progress = progressBox.querySelector('progress');
    var status = form.querySelector('.upload-status');
    var button = form.querySelector('button[type=submit]');
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var shownUrl = null;

    function say(text, bad) {
      status.textContent = text;
      status.className = 'upload-status' + (bad ? ' error' : '');
    }

    input.addEventListener('change', function () {
      if (shownUrl) { URL.revokeObjectURL(shownUrl); shownUrl = null; }
      var file = input.files && input.files[0];
      say('', false);
      if (!file) { figure.hidden = true; return; }
      shownUrl = URL.createObjectURL(file);
      image.src = shownUrl;
      caption.textContent = file.name + ' · ' + megabytes(file.size);
      figure.hidden = false;
      if (file.size > maxBytes) say(form.dataset.tooLarge, true);
    });

    function joinList(answer) {
      var list = document.getElementById(form.dataset.photoList);
      var fresh = answer.getElementById(form.dataset.photoList);
      if (!list || !fresh) return;
      fresh.querySelectorAll('li[data-photo]').forEach(function (item) {
        if (!list.querySelector('li[data-photo="' + item.dataset.photo + '"]')) {
          list.appendChild(document.importNode(item, true));
        }
      });
      var empty = list.nextElementSibling;
      if (empty && empty.classList.contains('meta') && list.children.length) empty.hidden = true;
    }

    form.addEventListener('submit', function (event) {
      var file = input.files && input.files[0];
      if (!file) return;  // the browser says the field is required
      event.preventDefault();
      if (file.size > maxBytes) { say(form.dataset.tooLarge, true); return; }
      var request = new XMLHttpRequest();
      request.open('POST', form.action);
      request.responseType = 'document';
      progress.value = 0;
      progressBox.hidden = false;
      button.disabled = true;
      say(form.dataset.sending, false);
      request.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
      });
      request.addEventListener('load', function () {
        button.disabled = false;
        var answer = request.response;
        if (request.status >= 400 || !answer) {
          var alert = answer && answer.querySelector('[role=alert]');
          say(alert ? alert.textContent.trim() : form.dataset.failed, true);
          progressBox.hidden = true;
          return;
        }
        progress.value = 100;
        var notice = answer.querySelector('#photos p.notice');
        say(notice ? notice.textContent.trim() : '', false);
        joinList(answer);
        form.reset();
        figure.hidden = true;
      });
      request.addEventListener('error', function () {
        button.disabled = false;
        progressBox.hidden = true;
        say(form.dataset.failed, true);
      });
      request.send(new FormData(form));
    });
  }

  document.querySelectorAll('form[data-upload]').forEach(setup);
})();
