// Live refresh of a Ludus console page: every few seconds, read the page's JSON twin and put its
// values into the elements that show them. Values are only ever set as text (textContent), never
// parsed as HTML, so a hostile room or player name stays text. No libraries.
(function () {
  'use strict';
  var root = document.querySelector('[data-ludus-json]');
  if (!root) {
    return;
  }
  var url = root.getAttribute('data-ludus-json');
  var every = parseInt(root.getAttribute('data-ludus-refresh'), 10) || 2000;
  var stamp = root.querySelector('[data-ludus-stamp]');

  function at(data, path) {
    var parts = path.split('.');
    for (var i = 0; i < parts.length && data !== null && data !== undefined; i++) {
      data = data[parts[i]];
    }
    return data;
  }

  function show(v) {
    if (v === null || v === undefined) {
      return '';
    }
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  function rows(tbody, data) {
    var list = at(data, tbody.getAttribute('data-rows'));
    if (!Array.isArray(list)) {
      return;
    }
    var cols = tbody.getAttribute('data-cols').split(',');
    var linkParam = tbody.getAttribute('data-link-param');
    var linkKey = tbody.getAttribute('data-link-key');
    var fresh = document.createDocumentFragment();
    list.forEach(function (row) {
      var tr = document.createElement('tr');
      cols.forEach(function (col, i) {
        var td = document.createElement('td');
        if (i === 0 && linkParam) {
          var a = document.createElement('a');
          a.href = '?' + encodeURIComponent(linkParam) + '=' + encodeURIComponent(show(row[linkKey]));
          a.textContent = show(row[col]);
          td.appendChild(a);
        } else {
          td.textContent = show(row[col]);
        }
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    while (tbody.firstChild) {
      tbody.removeChild(tbody.firstChild);
    }
    tbody.appendChild(fresh);
  }

  function apply(data) {
    root.querySelectorAll('[data-k]').forEach(function (el) {
      el.textContent = show(at(data, el.getAttribute('data-k')));
    });
    root.querySelectorAll('[data-rows]').forEach(function (tbody) {
      rows(tbody, data);
    });
    if (stamp) {
      stamp.textContent = '(updated ' + new Date().toLocaleTimeString() + ')';
      stamp.className = '';
    }
  }

  function stale(why) {
    if (stamp) {
      stamp.textContent = '(not updated: ' + why + ')';
      stamp.className = 'ludus-stale';
    }
  }

  function tick() {
    if (document.hidden) {
      setTimeout(tick, every);
      return;
    }
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      })
      .then(apply)
      .catch(function (e) { stale(e.message); })
      .then(function () { setTimeout(tick, every); });
  }

  setTimeout(tick, every);
}());
