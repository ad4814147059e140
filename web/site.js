/*
 * site.js - the demo page's only script: its "open the chat" buttons use the
 * widget's API (window.vigie), as a host page with its own launcher would.
 */
(function () {
  'use strict';
  function ready(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }
  ready(function () {
    var buttons = document.querySelectorAll('button.open-chat');
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener('click', function () {
        if (!window.vigie) return;
        window.vigie.setLanguage(b.getAttribute('data-lang'));
        window.vigie.open();
      });
    });
  });
})();
