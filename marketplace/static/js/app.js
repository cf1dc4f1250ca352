// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // Ask before destructive actions (buttons carrying data-confirm).
    document.querySelectorAll("button[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // Filters stay open beside the results on wide screens; on a phone they fold away.
    if (window.matchMedia("(min-width: 900px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
    }
    // A conversation shown is a conversation read: tell the server (a POST with the CSRF token;
    // without JavaScript the page offers a "Mark as read" button instead).
    document.querySelectorAll("[data-mark-read]").forEach(function (element) {
      var token = document.querySelector("input[name=csrf_token]");
      if (!token || !window.fetch) { return; }
      fetch(element.getAttribute("data-mark-read"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" }
      });
    });
    // Move focus to the error summary so screen readers announce it.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
