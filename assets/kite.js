/*
 * Kite Scheduler pages: keyboard moves in the month calendar, and, inside the widget's overlay on
 * another site, Escape and focus handed back to that site's page (assets/widget.js listens).
 */
(function () {
  "use strict";

  // Month calendar (role=grid): arrows move a day or a week to the next day with free times,
  // Home/End to the first/last free day of the week, PageUp/PageDown to the previous/next month.
  function days(grid) {
    return Array.prototype.slice.call(grid.querySelectorAll("button[data-date]"));
  }

  function move(grid, from, step) {
    var all = days(grid);
    var dates = all.map(function (b) { return b.getAttribute("data-date"); });
    var i = dates.indexOf(from.getAttribute("data-date"));
    for (var j = i + step; j >= 0 && j < all.length; j += step) {
      if (!all[j].disabled) return all[j];
    }
    return null;
  }

  // After PageUp/PageDown the server draws the other month: focus then goes to the same day number there (the
  // month's last day in a shorter month), or the nearest day with free times when that one has none. A busy
  // server may take seconds to answer: the wait ends only when the month is drawn, another PageUp/PageDown
  // starts its own wait, or the person has moved focus out of the calendar.
  var turning = 0;
  function focusWhenDrawn(box, shown, number) {
    var mine = ++turning;
    var since = Date.now();
    (function check() {
      if (mine !== turning || Date.now() - since > 120000) return;
      if (document.activeElement && document.activeElement !== document.body && !box.contains(document.activeElement)) return;
      var label = box.querySelector(".kite-month-label");
      var grid = box.querySelector("[data-kite-grid]");
      if (!label || label.textContent === shown || !grid) {
        window.setTimeout(check, 25);
        return;
      }
      var all = days(grid);
      var i = Math.min(number, all.length) - 1;
      for (var d = 0; d < all.length; d++) {
        var near = [i + d, i - d].filter(function (j) { return j >= 0 && j < all.length && !all[j].disabled; });
        if (near.length) {
          all[near[0]].focus();
          all[near[0]].click();
          return;
        }
      }
      var turn = box.querySelector("[data-month]:not([disabled])");
      if (turn) turn.focus();  // a month without free times: focus stays in the calendar
    })();
  }

  document.addEventListener("keydown", function (event) {
    var button = event.target;
    if (!button || !button.closest) return;
    var grid = button.closest("[data-kite-grid]");
    if (!grid || !button.hasAttribute("data-date")) return;
    var steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    var target = null;
    if (event.key in steps) {
      target = move(grid, button, steps[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      var row = Array.prototype.slice.call(button.closest("tr").querySelectorAll("button[data-date]:not([disabled])"));
      target = event.key === "Home" ? row[0] : row[row.length - 1];
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      var box = grid.closest(".kite-calendar-box");
      var turn = box && box.querySelector(event.key === "PageUp" ? "[data-month=previous]" : "[data-month=next]");
      event.preventDefault();
      if (!turn || turn.disabled) return;
      var label = box.querySelector(".kite-month-label");
      var shown = label ? label.textContent : "";
      turn.click();
      focusWhenDrawn(box, shown, parseInt(button.getAttribute("data-date").slice(8), 10));
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (target) {
      target.focus();
      target.click();
    }
  });

  // The tab's title and <html lang> follow the page's language (screen readers read lang): the page writes
  // both into its frame (layout.template: [data-kite-lang], [data-kite-title]); the build's are English.
  function speak() {
    var page = document.querySelector("[data-kite-lang]");
    var lang = page && page.getAttribute("lang");
    if (lang && document.documentElement.lang !== lang) document.documentElement.lang = lang;
    var title = document.querySelector("[data-kite-title]");
    var text = title && title.textContent;
    if (text && document.title !== text) document.title = text;
  }
  new MutationObserver(speak).observe(document.documentElement,
    { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["lang"] });
  speak();

  // Framed by the widget: Escape closes the overlay from anywhere in the page, and the overlay can ask
  // for focus on the page's last control (Shift+Tab from its close button).
  if (window.self === window.top) return;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented && !document.querySelector("[role=dialog],[role=alertdialog]")) {
      window.parent.postMessage({ kite: "close" }, "*");
    }
  });
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.kite !== "focus-last") return;
    var focusable = Array.prototype.filter.call(
      document.querySelectorAll("a[href],button:not([disabled]),input:not([disabled]),select,textarea,[tabindex='0']"),
      function (el) { return el.offsetParent !== null; });
    if (focusable.length) focusable[focusable.length - 1].focus();
  });
})();
