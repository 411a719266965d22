// unid pages: progressive enhancement only. Every form works without this file.
"use strict";
(function () {
  document.documentElement.classList.add("js");
  // Captcha: "another one" swaps the image in place instead of reloading the form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-captcha-refresh]");
    if (!button) return;
    event.preventDefault();
    var scene = button.getAttribute("data-captcha-refresh");
    var body = new URLSearchParams({ scene: scene, csrf: button.getAttribute("data-csrf") || "" });
    fetch("/pages/captcha", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (uri) {
        var img = document.querySelector('[data-captcha-image="' + scene + '"]');
        if (img && uri.indexOf("data:image/") === 0) img.src = uri;
        var input = button.closest(".captcha") && button.closest(".captcha").querySelector("input");
        if (input) { input.value = ""; input.focus(); }
      })
      .catch(function () { window.location.href = button.getAttribute("href"); });
  });

  // "Send code" buttons count down while a new code may not be requested yet.
  document.querySelectorAll("[data-countdown]").forEach(function (button) {
    var left = parseInt(button.getAttribute("data-countdown"), 10);
    if (!(left > 0)) return;
    var label = button.textContent;
    var template = button.getAttribute("data-countdown-label") || "{s}s";
    button.disabled = true;
    var tick = function () {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = template.replace("{s}", String(left));
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  });

  // The avatar form submits as soon as a file is chosen.
  document.querySelectorAll(".avatar-form input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () { if (input.files.length) input.form.submit(); });
  });
})();
