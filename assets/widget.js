/*
 * Kite Scheduler widget. Embed on any page:
 *   <script src="https://kite.example.com/widget.js" data-agent="agent-slug" async></script>
 * or, for a team's page:
 *   <script src="https://kite.example.com/widget.js" data-team="team-slug" async></script>
 * It adds a "Schedule a meeting" button that opens the booking page in an overlay.
 * Optional: data-label="Book a demo" (button text), data-target="#element-id" (where the button goes).
 * Prefill the guest's details: data-prefill-name, data-prefill-email, data-prefill-subject, and
 * data-prefill-<question id> (e.g. data-prefill-q_ab12cd="T-4711"). The host page's utm_source, utm_medium,
 * utm_campaign, utm_term and utm_content go along, so the meeting remembers which campaign brought it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var agent = script.getAttribute("data-agent");
  var team = script.getAttribute("data-team");
  if (!agent && !team) {
    console.error("Kite Scheduler widget: add data-agent=\"<booking slug>\" or data-team=\"<team slug>\" to the script tag.");
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  var label = script.getAttribute("data-label") || "Schedule a meeting";
  var bookingUrl = origin + (team ? "/team/" + encodeURIComponent(team) : "/book/" + encodeURIComponent(agent));
  var passed = new URLSearchParams();
  Array.prototype.forEach.call(script.attributes, function (attr) {
    if (attr.name.indexOf("data-prefill-") === 0 && attr.value) passed.set(attr.name.slice(13), attr.value);
  });
  var hostParams = new URLSearchParams(window.location.search);
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
    var value = hostParams.get(name);
    if (value) passed.set(name, value.slice(0, 100));
  });
  if (passed.toString()) bookingUrl += "?" + passed.toString();

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("data-kite-widget", "button");
  button.style.cssText =
    "font:600 15px/1.2 system-ui,sans-serif;color:#fff;background:#3e63dd;border:0;border-radius:8px;" +
    "padding:10px 18px;cursor:pointer;box-shadow:0 1px 3px rgba(0,0,0,.2)";

  var overlay = null;
  var frame = null;
  var lastFocus = null;

  function close() {
    if (!overlay) return;
    overlay.remove();
    overlay = null;
    frame = null;
    document.removeEventListener("keydown", onKey);
    window.removeEventListener("message", onMessage);
    (lastFocus && document.contains(lastFocus) ? lastFocus : button).focus();
  }

  function onKey(event) {
    if (event.key === "Escape") close();
  }

  // The booking page in the frame (assets/kite.js) says when Escape was pressed inside it.
  function onMessage(event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    if (event.data && event.data.kite === "close") close();
  }

  // Tab never leaves the overlay: a guard before and after its content sends focus round.
  function guard(onFocus) {
    var el = document.createElement("span");
    el.tabIndex = 0;
    el.setAttribute("data-kite-widget", "focus-guard");
    el.addEventListener("focus", onFocus);
    return el;
  }

  function open() {
    if (overlay) return;
    lastFocus = document.activeElement;
    overlay = document.createElement("div");
    overlay.setAttribute("data-kite-widget", "overlay");
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483000;background:rgba(15,23,42,.55);display:flex;" +
      "align-items:center;justify-content:center;padding:16px";
    overlay.addEventListener("click", function (event) {
      if (event.target === overlay) close();
    });

    var dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-label", label);
    dialog.style.cssText =
      "position:relative;width:min(960px,100%);height:min(760px,100%);background:#fff;border-radius:12px;" +
      "overflow:hidden;box-shadow:0 20px 50px rgba(0,0,0,.35)";

    var closeButton = document.createElement("button");
    closeButton.type = "button";
    closeButton.textContent = "\u00d7";
    closeButton.setAttribute("aria-label", "Close");
    closeButton.style.cssText =
      "position:absolute;top:8px;right:10px;z-index:1;font:24px/1 system-ui,sans-serif;background:#fff;" +
      "border:1px solid #ccd;border-radius:50%;width:34px;height:34px;cursor:pointer";
    closeButton.addEventListener("click", close);

    frame = document.createElement("iframe");
    frame.src = bookingUrl;
    frame.title = label;
    frame.style.cssText = "border:0;width:100%;height:100%";

    dialog.appendChild(guard(function () {
      frame.focus();
      frame.contentWindow.postMessage({ kite: "focus-last" }, origin);
    }));
    dialog.appendChild(closeButton);
    dialog.appendChild(frame);
    dialog.appendChild(guard(function () { closeButton.focus(); }));
    overlay.appendChild(dialog);
    document.body.appendChild(overlay);
    document.addEventListener("keydown", onKey);
    window.addEventListener("message", onMessage);
    closeButton.focus();
  }

  button.addEventListener("click", open);
  var target = script.getAttribute("data-target");
  var host = target ? document.querySelector(target) : null;
  if (host) host.appendChild(button);
  else script.parentNode.insertBefore(button, script.nextSibling);
})();
