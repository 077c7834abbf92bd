/*
 * Leadscore website snippet: page views of a first-party visitor id, and form capture.
 * Install: <script async src="https://LEADSCORE/w/ls.js" data-site="ws_..." data-consent="pending"></script>
 * Consent: data-consent="granted" | "pending" (wait for leadscore("consent", true)) | "not-required".
 * Nothing is stored or sent before consent (unless not required) or with Do Not Track / GPC.
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript || d.querySelector("script[data-site][src*='/w/ls.js']");
  if (!script || w.__leadscoreLoaded) return;
  w.__leadscoreLoaded = true;

  var site = script.getAttribute("data-site") || "";
  var src = new URL(script.src, d.baseURI);
  var base = src.origin + src.pathname.replace(/ls\.js$/, "");
  var mode = script.getAttribute("data-consent") || "pending";
  var cookieDomain = script.getAttribute("data-cookie-domain");
  var COOKIE = "_lsvid";
  var consent = mode === "granted" || mode === "not-required";
  var token = null;
  var lastUrl = null;
  var pendingView = false;

  function dnt() {
    return navigator.doNotTrack === "1" || w.doNotTrack === "1" || navigator.globalPrivacyControl === true;
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    (w.crypto || w.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function readCookie() {
    var m = d.cookie.match(/(?:^|;\s*)_lsvid=([A-Za-z0-9_-]{16,64})/);
    return m ? m[1] : null;
  }

  // The visitor id lives in a first-party cookie on the site's own domain for a year.
  function visitorId(create) {
    var id = readCookie();
    if (!id && create) {
      id = randomId();
      d.cookie = COOKIE + "=" + id + "; Max-Age=31536000; Path=/; SameSite=Lax" +
        (cookieDomain ? "; Domain=" + cookieDomain : "") + (location.protocol === "https:" ? "; Secure" : "");
    }
    return id;
  }

  function allowed() { return !dnt() && consent; }

  // text/plain keeps it a "simple" cross-origin request: no preflight, and keepalive lets it
  // finish while the page unloads (a form submit navigating away).
  function send(path, body) {
    return fetch(base + path, {
      method: "POST", mode: "cors", credentials: "omit", keepalive: true,
      headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: JSON.stringify(body)
    });
  }

  function takeToken() {
    var params = new URLSearchParams(location.search);
    if (!params.has("ls_t")) return;
    token = params.get("ls_t");
    params.delete("ls_t");
    // The token names a person: keep it out of the address bar, bookmarks and shared links.
    var query = params.toString();
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function pageView() {
    if (!site) return;
    if (!allowed()) { pendingView = !dnt(); return; }
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    var body = {
      v: visitorId(true), url: location.href, title: d.title.slice(0, 300),
      referrer: d.referrer, consent: mode !== "not-required" && consent
    };
    if (token) { body.t = token; token = null; }
    send("c/" + encodeURIComponent(site) + "/", body).catch(function () {});
  }

  function fieldsOf(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "password" || el.type === "file") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.tagName === "BUTTON" || el.type === "submit" || el.type === "button") return;
      var values = el.tagName === "SELECT" && el.multiple
        ? Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; })
        : [el.value];
      values.forEach(function (v) {
        if (!(el.name in out)) out[el.name] = v;
        else out[el.name] = [].concat(out[el.name], v);
      });
    });
    return out;
  }

  function extras() {
    var vid = allowed() ? visitorId(false) : null;
    return { ls_url: location.href, ls_sid: randomId(), ls_vid: vid || "" };
  }

  // After the site's own handlers: unless one of them cancelled the submission, hold the
  // navigation until the copy reached Leadscore (at most a second), then submit natively.
  function holdNavigation(event, form, sent) {
    w.addEventListener("submit", function after(e) {
      w.removeEventListener("submit", after);
      if (e !== event || e.defaultPrevented) return;
      e.preventDefault();
      var done = false, submitter = event.submitter;
      function go() {
        if (done) return;
        done = true;
        if (submitter && submitter.name) {
          var input = d.createElement("input");
          input.type = "hidden"; input.name = submitter.name; input.value = submitter.value;
          form.appendChild(input);
        }
        HTMLFormElement.prototype.submit.call(form);
      }
      sent.then(go, go);
      setTimeout(go, 1000);
    });
  }

  // A form marked data-leadscore-form="wf_..." is copied to Leadscore and then submits as it
  // always did. A form posting straight to /w/f/... gets the visitor id as hidden fields.
  function onSubmit(event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM") return;
    var key = form.getAttribute("data-leadscore-form");
    if (key) {
      var data = fieldsOf(form), more = extras();
      for (var k in more) data[k] = more[k];
      var sent = send("f/" + encodeURIComponent(key) + "/", data).then(function (r) { return r.text(); });
      holdNavigation(event, form, sent);
      return;
    }
    if ((form.action || "").indexOf(base + "f/") === 0) {
      var more2 = extras();
      for (var name in more2) {
        var input = form.querySelector("input[type=hidden][name='" + name + "']");
        if (!input) { input = d.createElement("input"); input.type = "hidden"; input.name = name; form.appendChild(input); }
        input.value = more2[name];
      }
    }
  }

  var api = {
    consent: function (granted) {
      if (mode === "not-required") return;
      consent = granted === true;
      if (!consent) {
        d.cookie = COOKIE + "=; Max-Age=0; Path=/" + (cookieDomain ? "; Domain=" + cookieDomain : "");
      } else if (pendingView) {
        pendingView = false;
        pageView();
      }
    },
    page: function () { pageView(); }
  };

  function command(args) {
    var fn = api[args[0]];
    if (fn) fn.apply(null, Array.prototype.slice.call(args, 1));
  }

  var queued = (w.leadscore && w.leadscore.q) || [];
  w.leadscore = function () { command(arguments); };
  if (w.leadscoreConsent === true) consent = true;

  takeToken();
  d.addEventListener("submit", onSubmit, true);
  // Single-page apps: a pushState navigation is a page view too.
  var push = history.pushState;
  history.pushState = function () {
    var result = push.apply(this, arguments);
    setTimeout(pageView, 0);
    return result;
  };
  w.addEventListener("popstate", function () { setTimeout(pageView, 0); });
  for (var i = 0; i < queued.length; i++) command(queued[i]);
  pageView();
})(window, document);
