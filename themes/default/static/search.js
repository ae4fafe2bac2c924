// Hindsight's search: runs in the browser, with no server.
//
// Nothing is loaded until a reader starts to search. Then elasticlunr.js
// and the small search/index.js arrive, and for each query only the index
// parts for the first letters of its words and the rows of the results
// shown: a large knowledge base costs a reader a fraction of its index.
// Every file is a plain <script>, which browsers also load from disk.
// Results are built with DOM methods and textContent only: a query or a
// title can never inject markup.
(function () {
  "use strict";

  var BOOSTS = {
    title: { boost: 4 },
    keywords: { boost: 3 },
    text: { boost: 1 }
  };
  var loading = null;
  var index = null;
  var pending = {};
  var loaded = {};

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

  // Index parts and result rows arrive as scripts that call this.
  window.HINDSIGHT_SEARCH_LOADED = function (kind, number, data) {
    var key = kind + ":" + number;
    if (pending[key]) pending[key](data);
  };

  function loadFile(kind, number) {
    var key = kind + ":" + number;
    if (!loaded[key]) {
      var folder = config().data.replace(/index\.js$/, "");
      loaded[key] = new Promise(function (resolve, reject) {
        pending[key] = resolve;
        loadScript(folder + kind + "-" + number + ".js").catch(reject);
      });
    }
    return loaded[key];
  }

  function ready() {
    if (!loading) {
      var c = config();
      loading = loadScript(c.engine)
        .then(function () { return loadScript(c.data); })
        .then(function () {
          var data = window.HINDSIGHT_SEARCH;
          index = { engine: window.elasticlunr.Index.load(data.index), layout: data.layout, rows: {} };
          return index;
        });
    }
    return loading;
  }

  // The parts holding the words of a query: those of their first letters,
  // after the same tokenizer and stemmer the index was built with.
  function loadPartsFor(query) {
    var tokens = index.engine.pipeline.run(window.elasticlunr.tokenizer(query));
    var wanted = {};
    tokens.forEach(function (token) {
      var part = index.layout.parts[token.charAt(0)];
      if (part !== undefined) wanted[part] = true;
    });
    return Promise.all(Object.keys(wanted).map(function (part) {
      return loadFile("part", part).then(function (tries) {
        Object.keys(tries).forEach(function (field) {
          var root = index.engine.index[field].root;
          Object.keys(tries[field]).forEach(function (first) { root[first] = tries[field][first]; });
        });
      });
    }));
  }

  function loadRows(refs) {
    var per = index.layout.docsPerFile;
    var files = {};
    refs.forEach(function (ref) { files[Math.floor(ref / per)] = true; });
    return Promise.all(Object.keys(files).map(function (file) {
      return loadFile("docs", file).then(function (rows) {
        rows.forEach(function (row, i) { index.rows[Number(file) * per + i] = row; });
      });
    }));
  }

  function pageUrl(path) {
    var c = config();
    return c.prefix + path + (c.portable ? "index.html" : "");
  }

  function search(query, limit) {
    return loadPartsFor(query).then(function () {
      var hits = index.engine.search(query, { fields: BOOSTS, bool: "OR", expand: true });
      var refs = hits.slice(0, limit).map(function (hit) { return Number(hit.ref); });
      return loadRows(refs).then(function () {
        return refs.map(function (ref) { return index.rows[ref]; });
      });
    });
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
      ready().then(function () { return search(query, limit); }).then(function (docs) {
        if (input.value.trim() === query) show(container, status, query, docs);
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
