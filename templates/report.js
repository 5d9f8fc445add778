// entramap report: the objects table. The rows are read once from the JSON block; the
// table shows one page of rows at a time (a 100,000-object run never has 100,000 rows in
// the document). An object's details (log entries, requests) are in deflated chunks,
// inflated by the browser when one of their rows is first opened. Every value from the
// data is set with textContent, never as markup.
(function () {
  "use strict";
  var PAGE = 50;
  var block = document.getElementById("entramap-rows");
  var body = document.getElementById("rows");
  if (!block || !body) { return; }
  var CHUNK = Number(block.getAttribute("data-chunk"));
  var data = JSON.parse(block.textContent);
  var objects = data.rows.map(function (r, i) {
    return {
      index: i, id: r[0], kind: r[1], name: r[2], display_name: r[3], action: r[4],
      status: r[5], reason: r[6], error_code: r[7],
      attributes: r[8].map(function (k) { return data.attributes[k]; }), cycle: r[9],
      history: data.histories[r[10]]
    };
  });
  var chunkBlocks = document.querySelectorAll("script.entramap-details");
  var chunks = {};

  // The details of chunk n: base64, then zlib-inflated by the browser, then JSON.
  function chunk(n) {
    if (!chunks[n]) {
      var bin = atob(chunkBlocks[n].textContent.trim());
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i += 1) { bytes[i] = bin.charCodeAt(i); }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      chunks[n] = new Response(stream).text().then(JSON.parse);
    }
    return chunks[n];
  }
  var shown = document.getElementById("shown");
  var q = document.getElementById("q");
  var selects = {
    cycle: document.getElementById("f-cycle"),
    action: document.getElementById("f-action"),
    status: document.getElementById("f-status"),
    code: document.getElementById("f-code"),
    attribute: document.getElementById("f-attribute")
  };
  var matches = objects;
  var page = 0;
  var open = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  // An object's [action, status] pairs in cycle `cycle` ("" for every cycle): per
  // provisioning action its entries took, that action's status, as the cycle charts count
  // them (Entra's provisioning logs keep Action and Status apart: a skipped create stays a
  // create). An object no cycle logged is `none · none`.
  function pairs(o, cycle) {
    if (o.history.length === 0) { return cycle ? [] : [["none", "none"]]; }
    var out = [];
    o.history.forEach(function (h) {
      if (!cycle || String(h[0]) === cycle) { out = out.concat(h[1]); }
    });
    return out;
  }

  // The choices of each filter, from the data, each with how many objects have it: an
  // action or status in any cycle, a cycle when it logged the object.
  function fill(select, values, label) {
    Object.keys(values).sort(function (a, b) {
      return label ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0);
    }).forEach(function (v) {
      var o = el("option", null, (label ? label + " " : "") + v + " (" + values[v] + ")");
      o.value = v;
      select.appendChild(o);
    });
  }
  var seen = { cycle: {}, action: {}, status: {}, code: {}, attribute: {} };
  function tally(map, v) { map[v] = (map[v] || 0) + 1; }
  objects.forEach(function (o) {
    var actions = {}, statuses = {};
    o.history.forEach(function (h) { tally(seen.cycle, String(h[0])); });
    pairs(o, "").forEach(function (p) { actions[p[0]] = true; statuses[p[1]] = true; });
    Object.keys(actions).forEach(function (a) { tally(seen.action, a); });
    Object.keys(statuses).forEach(function (s) { tally(seen.status, s); });
    if (o.error_code) { tally(seen.code, o.error_code); }
    o.attributes.forEach(function (a) { tally(seen.attribute, a); });
  });
  Object.keys(selects).forEach(function (k) { fill(selects[k], seen[k], k === "cycle" ? "cycle" : null); });

  // The earlier cycles in which the object failed: its row shows the last cycle's verdict,
  // and an earlier failure must not disappear from it.
  function earlierFailures(o) {
    return o.history.filter(function (h) {
      return h[0] !== o.cycle && h[1].some(function (p) { return p[1] === "failure"; });
    }).map(function (h) { return h[0]; });
  }

  // What the search box looks in, built once per object on first use.
  function haystack(o) {
    if (o._text === undefined) {
      o._text = [o.id, o.name, o.display_name || "", o.kind, o.action, o.status,
        o.reason, o.error_code || "", o.attributes.join(" ")].join("\n").toLowerCase();
    }
    return o._text;
  }

  function filter() {
    var text = q.value.trim().toLowerCase();
    var cycle = selects.cycle.value, action = selects.action.value, status = selects.status.value;
    var code = selects.code.value, attribute = selects.attribute.value;
    matches = objects.filter(function (o) {
      // Cycle, action and status together: one action of one cycle with that status, so
      // "cycle 1 · update · failure" lists the objects cycle 1's chart counts as such.
      if ((cycle || action || status) && !pairs(o, cycle).some(function (p) {
        return (!action || p[0] === action) && (!status || p[1] === status);
      })) { return false; }
      if (code && o.error_code !== code) { return false; }
      if (attribute && o.attributes.indexOf(attribute) < 0) { return false; }
      return !text || haystack(o).indexOf(text) >= 0;
    });
    page = 0;
    render();
  }

  function render() {
    open = null;
    body.textContent = "";
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    if (page >= pages) { page = pages - 1; }
    var start = page * PAGE;
    var slice = matches.slice(start, start + PAGE);
    slice.forEach(function (o) { body.appendChild(row(o)); });
    shown.textContent = matches.length === 0
      ? "no object matches (" + objects.length + " in all)"
      : "objects " + (start + 1) + "–" + (start + slice.length) + " of " + matches.length +
        (matches.length !== objects.length ? " matching (" + objects.length + " in all)" : "") +
        " · page " + (page + 1) + " of " + pages;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }

  function row(o) {
    var tr = el("tr", "row");
    tr.tabIndex = 0;
    tr.setAttribute("data-id", o.id);
    var who = el("td", "object");
    who.appendChild(el("span", "name", o.name));
    if (o.display_name) { who.appendChild(el("span", "display", o.display_name)); }
    if (o.name !== o.id) { who.appendChild(el("span", "id", o.id)); }
    tr.appendChild(who);
    tr.appendChild(el("td", null, o.kind));
    // The verdict of the last cycle that logged it: action, status, code and reason of one
    // entry (the earlier cycles are in the details).
    var act = el("td", "action", o.action);
    if (o.cycle) { act.appendChild(el("span", "cycle", "cycle " + o.cycle)); }
    // The verdict's cycle may have more actions than the one shown (a create, then the
    // manager's update): the chart counts each, and the action filter finds each.
    o.history.filter(function (h) { return h[0] === o.cycle; }).forEach(function (h) {
      h[1].filter(function (p) { return p[0] !== o.action; }).forEach(function (p) {
        act.appendChild(el("span", "also", "also " + p[0] + " · " + p[1]));
      });
    });
    var failed = earlierFailures(o);
    if (failed.length) {
      act.appendChild(el("span", "earlier-failure", "failed in cycle" + (failed.length > 1 ? "s " : " ") + failed.join(", ")));
    }
    tr.appendChild(act);
    tr.appendChild(el("td", "status-" + o.status, o.status));
    tr.appendChild(el("td", null, o.error_code || ""));
    tr.appendChild(el("td", "reason", o.reason));
    function toggle() { toggleDetail(tr, o); }
    tr.addEventListener("click", toggle);
    tr.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
    return tr;
  }

  function toggleDetail(tr, o) {
    if (open) {
      var was = open;
      was.row.classList.remove("open");
      was.detail.remove();
      open = null;
      if (was.row === tr) { return; }
    }
    var detail = el("tr", "detail");
    var td = el("td");
    td.colSpan = 6;
    var loading = el("p", "loading", "opening…");
    td.appendChild(loading);
    chunk(Math.floor(o.index / CHUNK)).then(function (list) {
      loading.remove();
      td.appendChild(details(o, list[o.index % CHUNK]));
    }, function (e) {
      loading.textContent = "this object's details cannot be read: " + e;
    });
    detail.appendChild(td);
    tr.after(detail);
    tr.classList.add("open");
    open = { row: tr, detail: detail };
  }

  // One object's provisioning log entries (Graph's provisioningObjectSummary shape), the
  // attributes written, its attribute table per cycle that evaluated it, and its requests.
  function details(o, d) {
    var box = el("div", "object-detail");
    if (d.entries.length === 0) {
      box.appendChild(el("p", null, o.reason));
    }
    d.entries.forEach(function (e) {
      var info = e.provisioningStatusInfo || {};
      var card = el("div", "entry");
      card.appendChild(el("h4", null, cycleName(e.cycleId) + " · " + e.provisioningAction + " · " +
        (info.status || "") + (e.activityDateTime ? " · " + e.activityDateTime : "")));
      var err = info.errorInformation;
      if (err) {
        var p = el("p", "status-failure");
        p.textContent = (err.errorCode ? err.errorCode + ": " : "") + (err.reason || "");
        card.appendChild(p);
        if (err.additionalDetails) { card.appendChild(el("p", null, err.additionalDetails)); }
        if (err.recommendedAction) { card.appendChild(el("p", null, "recommended: " + err.recommendedAction)); }
      }
      var steps = el("ol", "steps");
      (e.provisioningSteps || []).forEach(function (s) {
        var li = el("li", "step status-" + s.status);
        li.appendChild(el("b", null, s.name));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "step-type", s.provisioningStepType + " · " + s.status));
        li.appendChild(el("div", "step-description", s.description));
        var d = s.details || {};
        Object.keys(d).forEach(function (k) {
          if (k !== "request" && k !== "status") { li.appendChild(el("div", "step-detail", k + ": " + d[k])); }
        });
        steps.appendChild(li);
      });
      card.appendChild(steps);
      var props = e.modifiedProperties || [];
      if (props.length) {
        var t = el("table", "modified");
        var head = el("tr");
        ["attribute", "old value", "new value"].forEach(function (h) { head.appendChild(el("th", null, h)); });
        t.appendChild(head);
        props.forEach(function (m) {
          var r = el("tr");
          r.appendChild(el("td", null, m.displayName));
          r.appendChild(el("td", null, m.oldValue === null || m.oldValue === undefined ? "" : m.oldValue));
          r.appendChild(el("td", null, m.newValue === null || m.newValue === undefined ? "" : m.newValue));
          t.appendChild(r);
        });
        card.appendChild(t);
      }
      box.appendChild(card);
    });
    (d.tables || []).forEach(function (t) { box.appendChild(attributeTable(o, t)); });
    if (d.requests.length) {
      box.appendChild(el("h4", null, "requests (" + d.requests.length + ")"));
      d.requests.forEach(function (r) {
        var pre = el("pre", "request");
        pre.textContent = "# cycle " + r.cycle + " · " + r.action + " · answered " + r.status + "\n" + indent(r.http) +
          (r.response ? "\n\n# answer\n" + indent(r.response) : "");
        box.appendChild(pre);
      });
    }
    return box;
  }

  // An object's attribute table in one cycle, as `entramap explain --cycle N` shows it: the
  // mapping's rows (in the page once, data.mapping) with this object's source value, result,
  // whether it is sent, and why (with Entra's own words for it where there are some).
  function attributeTable(o, t) {
    var described = (data.mapping && data.mapping[o.kind]) || [];
    var box = el("div", "attribute-table");
    box.appendChild(el("h4", null, "attributes · cycle " + t[0]));
    var table = el("table", "attribute-rows");
    var head = el("tr");
    ["target attribute", "mapping", "source value", "result", "sent", "why"].forEach(function (h) {
      head.appendChild(el("th", null, h));
    });
    table.appendChild(head);
    t[1].forEach(function (v, i) {
      var m = described[i] || {};
      var tr = el("tr", "sent-" + String(v[3]).replace(/ /g, "-"));
      tr.appendChild(el("td", "target", m.target));
      var how = m.mapping || "";
      if (m.apply && m.apply !== "always") { how += " (" + m.apply + ")"; }
      if (m["default"] !== null && m["default"] !== undefined) { how += " (default \"" + m["default"] + "\")"; }
      tr.appendChild(el("td", "mapping", how));
      tr.appendChild(el("td", "source", v[0] === null ? "-" : v[0]));
      tr.appendChild(el("td", "result", v[1]));
      tr.appendChild(el("td", "sent", v[3]));
      var why = el("td", "why", v[2]);
      if (v[4]) {
        why.appendChild(document.createTextNode(" "));
        why.appendChild(el("span", "entra", v[4]));
      }
      tr.appendChild(why);
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  // entramap's log numbers its cycles in the first group of a GUID-shaped cycleId
  // (00000002-0000-4000-8000-000000000000 is cycle 2, in hex); any other id is shown as it is.
  function cycleName(id) {
    var m = /^([0-9a-f]{8})-0000-4000-8000-000000000000$/.exec(String(id));
    return "cycle " + (m ? parseInt(m[1], 16) : id);
  }

  // A request line and compact JSON body (or a JSON answer) with the JSON indented.
  function indent(text) {
    var nl = text.indexOf("\n");
    var head = nl < 0 ? "" : text.slice(0, nl + 1);
    var json = nl < 0 ? text : text.slice(nl + 1);
    try { return head + JSON.stringify(JSON.parse(json), null, 2); } catch (e) { return text; }
  }

  var timer = null;
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(filter, 120); });
  Object.keys(selects).forEach(function (k) { selects[k].addEventListener("change", filter); });
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); filter(); });
  document.getElementById("prev").addEventListener("click", function () { page -= 1; render(); });
  document.getElementById("next").addEventListener("click", function () { page += 1; render(); });
  render();
  // For the browser tests and BENCHMARKS.md: when the first page of rows was on screen.
  if (window.performance && performance.mark) { performance.mark("entramap-table-ready"); }
}());
