// Running clocks of the console, loaded as a file: the Content-Security-Policy allows no
// inline script (ADR 0045).
//   <span data-due="ISO instant">  time left to a deadline (moderation SLAs), "-" once past
//   <div id="clock" data-left="N"> seconds left, counting down (an incident's report clock)
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function hms(s) {
    var neg = s < 0; s = Math.abs(s);
    return (neg ? "-" : "") + Math.floor(s / 3600) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
  }
  function tickDue() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var s = Math.round((Date.parse(el.dataset.due) - Date.now()) / 1000);
      el.textContent = hms(s);
      el.classList.toggle("overdue", s < 0);
    });
  }
  function startClock() {
    var el = document.getElementById("clock");
    if (!el || el.dataset.left === undefined) return;
    var left = parseInt(el.dataset.left, 10);
    if (isNaN(left)) return;
    function show() {
      var s = Math.abs(left);
      el.textContent = (left < 0 ? "-" : "") + pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
    }
    show();
    setInterval(function () { left -= 1; show(); }, 1000);
  }
  function start() {
    if (document.querySelector("[data-due]")) { tickDue(); setInterval(tickDue, 1000); }
    startClock();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
