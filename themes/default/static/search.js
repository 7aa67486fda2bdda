// okra's search page: reads the words of ?q=, loads the search index beside
// the page (so a site served from a sub-path finds it), and lists what
// matches as links. Text is only ever set with textContent.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script.getAttribute("data-root") || "";
  var indexUrl = script.getAttribute("data-index");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var box = document.getElementById("site-search");
  var KINDS = {
    objective: "Objective",
    kr: "Key result",
    team: "Team",
    person: "Person",
    update: "Update"
  };
  var SHOWN = 100;
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim();
  if (box) {
    box.value = query;
  }
  if (!query) {
    return;
  }
  document.title = query + " · " + document.title;
  status.textContent = "Searching…";

  function show(data) {
    var index = elasticlunr.Index.load(data.index);
    var fields = { title: { boost: 3 }, who: { boost: 2 }, text: { boost: 1 } };
    // Every word first; any word when no document has them all.
    var hits = index.search(query, { fields: fields, bool: "AND", expand: true });
    if (hits.length === 0) {
      hits = index.search(query, { fields: fields, bool: "OR", expand: true });
    }
    list.textContent = "";
    hits.slice(0, SHOWN).forEach(function (hit) {
      var doc = data.docs[Number(hit.ref)];
      if (!doc) {
        return;
      }
      var title = doc[1];
      var url = doc[2];
      if (doc[0] === "update") {
        // An update's row names its KR's row and its anchor on the KR's page.
        var kr = data.docs[Number(doc[1])] || ["", "", ""];
        title = kr[1];
        url = kr[2] + doc[2];
      }
      var item = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "search-kind";
      kind.textContent = KINDS[doc[0]] || doc[0];
      var link = document.createElement("a");
      link.href = root + url;
      link.textContent = title;
      var context = document.createElement("span");
      context.className = "search-context";
      context.textContent = doc[3];
      item.appendChild(kind);
      item.appendChild(link);
      item.appendChild(context);
      list.appendChild(item);
    });
    var n = hits.length;
    var text = n === 0 ? "No results for “" + query + "”."
      : n === 1 ? "1 result for “" + query + "”."
      : n + " results for “" + query + "”.";
    if (n > SHOWN) {
      text += " The first " + SHOWN + " are shown: add words to narrow the search.";
    }
    status.textContent = text;
  }

  fetch(indexUrl)
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(show)
    .catch(function (error) {
      status.textContent = "The search index could not be loaded (" + error.message + ").";
    });
})();
