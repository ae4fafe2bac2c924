// Hindsight's search: runs in the browser, with no server.
//
// The index (search/index.js) and elasticlunr.js are loaded only when a
// reader starts to search, so other page views cost nothing. Both are
// plain <script> files, which browsers also load from disk. Results are
// built with DOM methods and textContent only: a query or a title can
// never inject markup.
(function () {
  "use strict";

  var BOOSTS = {
    title: { boost: 4 },
    keywords: { boost: 3 },
    text: { boost: 1 }
  };
  var loading = null;
  var index = null;

  function config() {
    var root = document.documentElement;
    return {
      engine: root.getAttribute("data-search-engine"),
      data: root.getAttribute("data-search-index"),
      prefix: root.getAttribute("data-site-root") || "",
      portable: root.getAttribute("data-portable") === "true"
    };
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(script);
    });
  }

  function ready() {
    if (!loading) {
      var c = config();
      loading = loadScript(c.engine)
        .then(function () { return loadScript(c.data); })
        .then(function () {
          var data = window.HINDSIGHT_SEARCH;
          index = { engine: window.elasticlunr.Index.load(data.index), docs: data.docs };
          return index;
        });
    }
    return loading;
  }

  function pageUrl(path) {
    var c = config();
    return c.prefix + path + (c.portable ? "index.html" : "");
  }

  function search(query, limit) {
    var hits = index.engine.search(query, { fields: BOOSTS, bool: "OR", expand: true });
    return hits.slice(0, limit).map(function (hit) { return index.docs[Number(hit.ref)]; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function show(container, status, query, docs) {
    container.textContent = "";
    if (!query) {
      if (status) status.textContent = "";
      container.hidden = true;
      return;
    }
    container.hidden = false;
    if (docs.length === 0) {
      var none = element("li", "search-none", "No results for \u201c" + query + "\u201d.");
      container.appendChild(none);
      if (status) status.textContent = "No results.";
      return;
    }
    docs.forEach(function (doc) {
      var item = element("li", "search-result");
      var link = element("a", null, doc[0]);
      link.href = pageUrl(doc[1]);
      item.appendChild(link);
      var meta = [doc[2] || "undated", doc[3]].filter(Boolean).join(" \u00b7 ");
      item.appendChild(element("span", "meta", meta));
      if (doc[4]) item.appendChild(element("p", "summary", doc[4]));
      container.appendChild(item);
    });
    if (status) {
      status.textContent = docs.length + (docs.length === 1 ? " result." : " results.");
    }
  }

  function keepInUrl(query) {
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url.toString());
  }

  function moveFocus(container, input, step) {
    var links = Array.prototype.slice.call(container.querySelectorAll("a"));
    if (links.length === 0) return;
    var at = links.indexOf(document.activeElement);
    var next = at + step;
    if (next < 0) input.focus();
    else links[Math.min(next, links.length - 1)].focus();
  }

  function attach(input) {
    var container = document.getElementById(input.getAttribute("data-results"));
    var status = document.getElementById(input.getAttribute("data-status"));
    var limit = Number(input.getAttribute("data-limit") || 8);
    var isPage = input.hasAttribute("data-page");

    function run() {
      var query = input.value.trim();
      if (isPage) keepInUrl(query);
      if (!query) { show(container, status, "", []); return; }
      ready().then(function () {
        if (input.value.trim() === query) show(container, status, query, search(query, limit));
      }, function (error) {
        container.hidden = false;
        container.textContent = "";
        container.appendChild(element("li", "search-none", "Search is unavailable: " + error.message));
      });
    }

    input.addEventListener("focus", function () { ready().catch(function () {}); });
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); moveFocus(container, input, 1); }
      if (event.key === "Escape") { input.value = ""; run(); }
    });
    container.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); moveFocus(container, input, 1); }
      if (event.key === "ArrowUp") { event.preventDefault(); moveFocus(container, input, -1); }
      if (event.key === "Escape") { input.focus(); }
    });
    if (isPage) {
      var query = new URL(window.location.href).searchParams.get("q");
      if (query) { input.value = query; run(); }
    }
  }

  document.querySelectorAll("input[data-search]").forEach(attach);
})();
