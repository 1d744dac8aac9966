// crowd's web UI: polls the REST API every 2 s and draws the tables and
// charts.  No framework, nothing fetched from elsewhere.  Every value that
// comes from the API reaches the page through textContent or an SVG
// attribute, never as HTML.
'use strict';

(function () {
  const POLL_MS = 2000;
  const $ = (id) => document.getElementById(id);
  let config = null;
  let state = 'ready';
  let formMode = 'new'; // new | edit
  let formOpen = true;

  // ---- small DOM helpers ------------------------------------------------------------
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    const d = digits === undefined ? 0 : digits;
    return Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function fmtMs(v) {
    if (v === null || v === undefined) return '–';
    return v < 10 ? fmt(v, 2) : v < 100 ? fmt(v, 1) : fmt(v, 0);
  }
  function replaceRows(tbody, rows) {
    const frag = document.createDocumentFragment();
    rows.forEach((r) => frag.appendChild(r));
    tbody.replaceChildren(frag);
  }
  function row(cells, cls) {
    const tr = el('tr', null, cls);
    cells.forEach(([text, c]) => tr.appendChild(el('td', text, c)));
    return tr;
  }

  async function api(path, opts) {
    const res = await fetch(path, Object.assign({ cache: 'no-store', credentials: 'same-origin' }, opts || {}));
    const type = res.headers.get('content-type') || '';
    const body = type.startsWith('application/json') ? await res.json() : await res.text();
    return { ok: res.ok, status: res.status, body };
  }

  // ---- tabs (arrow keys move between them, as WAI-ARIA's tabs pattern) ---------------------
  const tabs = Array.from(document.querySelectorAll('[role=tab]'));
  function selectTab(tab, focus) {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (focus) tab.focus();
    if (tab.id === 'tab-charts') pollHistory();
    if (tab.id === 'tab-ratio') pollTasks();
    if (tab.id === 'tab-exceptions') pollExceptions();
  }
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => selectTab(t, false));
    t.addEventListener('keydown', (ev) => {
      let k = -1;
      if (ev.key === 'ArrowRight') k = (i + 1) % tabs.length;
      else if (ev.key === 'ArrowLeft') k = (i - 1 + tabs.length) % tabs.length;
      else if (ev.key === 'Home') k = 0;
      else if (ev.key === 'End') k = tabs.length - 1;
      if (k >= 0) { ev.preventDefault(); selectTab(tabs[k], true); }
    });
  });
  const visible = (id) => !$(id).hidden;

  // ---- the start form -----------------------------------------------------------------
  function showForm(mode) {
    formMode = mode;
    formOpen = true;
    $('start').hidden = false;
    $('start-title').textContent = mode === 'edit' ? 'Edit the running test' : 'Start a new load test';
    $('btn-start').textContent = mode === 'edit' ? 'Update' : 'Start';
    $('f-host').closest('label').hidden = mode === 'edit';
    $('f-runtime').closest('label').hidden = mode === 'edit';
    $('f-classes').hidden = mode === 'edit' || !(config && config.show_userclass_picker);
    // a (shape ...) sets the users and the rate (as Locust's is_shape form)
    const shape = !!(config && config.is_shape);
    $('f-users').closest('label').hidden = shape;
    $('f-rate').closest('label').hidden = shape;
    $('btn-cancel').hidden = state === 'ready';
    $('form-error').hidden = true;
    (shape ? $('f-host') : $('f-users')).focus();
  }
  function hideForm() {
    formOpen = false;
    $('start').hidden = true;
  }
  function fillForm() {
    if (!config) return;
    $('f-users').value = config.num_users;
    $('f-rate').value = config.spawn_rate;
    $('f-host').value = config.host || '';
    $('f-runtime').value = config.run_time > 0 ? String(config.run_time) + 's' : '';
    const list = $('f-classes-list');
    list.replaceChildren();
    (config.available_user_classes || []).forEach((name) => {
      const lab = el('label', null, 'check');
      const box = el('input');
      box.type = 'checkbox';
      box.name = 'user_classes';
      box.value = name;
      box.checked = (config.selected_user_classes || []).includes(name);
      lab.appendChild(box);
      lab.appendChild(document.createTextNode(' ' + name));
      list.appendChild(lab);
    });
    $('f-classes').hidden = !config.show_userclass_picker;
  }
  $('swarm-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new URLSearchParams();
    data.set('user_count', $('f-users').value.trim());
    data.set('spawn_rate', $('f-rate').value.trim());
    if (formMode === 'new') {
      data.set('host', $('f-host').value.trim());
      if ($('f-runtime').value.trim()) data.set('run_time', $('f-runtime').value.trim());
      if (config && config.show_userclass_picker) {
        document.querySelectorAll('#f-classes-list input:checked').forEach((b) => data.append('user_classes', b.value));
      }
    }
    const err = $('form-error');
    err.hidden = true;
    try {
      const res = await api('swarm', { method: 'POST', body: data });
      if (res.body && res.body.success) {
        hideForm();
        selectTab($('tab-stats'), false);
        poll();
      } else {
        err.textContent = (res.body && res.body.message) || ('The server answered ' + res.status);
        err.hidden = false;
      }
    } catch (e) {
      err.textContent = 'Cannot reach crowd: ' + e.message;
      err.hidden = false;
    }
  });
  $('btn-new').addEventListener('click', () => showForm('new'));
  $('btn-edit').addEventListener('click', () => showForm('edit'));
  $('btn-cancel').addEventListener('click', () => { hideForm(); $('btn-new').focus(); });
  $('btn-stop').addEventListener('click', async () => { await api('stop'); poll(); });
  $('btn-reset').addEventListener('click', async () => { await api('stats/reset'); poll(); pollHistory(); });

  // ---- statistics ----------------------------------------------------------------------
  function statsRows(stats) {
    return stats.map((s, i) => {
      const total = i === stats.length - 1;
      return row([
        [s.method], [s.name, 'name'], [fmt(s.num_requests), 'num'], [fmt(s.num_failures), 'num'],
        [fmtMs(s.median_response_time), 'num'], [fmtMs(s['response_time_percentile_0.95']), 'num'],
        [fmtMs(s['response_time_percentile_0.99']), 'num'], [fmtMs(s.avg_response_time), 'num'],
        [fmtMs(s.min_response_time), 'num'], [fmtMs(s.max_response_time), 'num'],
        [fmt(s.avg_content_length), 'num'], [fmt(s.current_rps, 1), 'num'], [fmt(s.current_fail_per_sec, 1), 'num'],
      ], total ? 'total' : '');
    });
  }
  function showState(s) {
    state = s.state;
    const badge = $('s-state');
    badge.textContent = s.state.toUpperCase();
    badge.className = 'state state-' + s.state;
    $('s-host').textContent = s.host || (config && config.host) || '–';
    $('s-users').textContent = fmt(s.user_count);
    $('s-rps').textContent = fmt(s.current_rps, 1);
    $('s-fails').textContent = fmt((s.fail_ratio || 0) * 100, 0) + '%';
    if (s.cpu_percent !== null && s.cpu_percent !== undefined) {
      $('s-cpu-box').hidden = false;
      $('s-cpu').textContent = fmt(s.cpu_percent, 0) + '%';
      $('s-cpu').className = s.cpu_warning ? 'warn' : '';
    }
    const running = s.state === 'spawning' || s.state === 'running';
    $('btn-stop').hidden = !running;
    $('btn-edit').hidden = !running || !!(config && config.is_shape);
    $('btn-new').hidden = running || s.state === 'stopping';
    if (s.state === 'ready' && !formOpen) showForm('new');
    if (running && formOpen && formMode === 'new' && document.activeElement &&
        !$('start').contains(document.activeElement)) hideForm();
  }
  function showErrors(errors) {
    $('n-failures').textContent = errors.length ? String(errors.length) : '';
    replaceRows($('failures-table').tBodies[0], errors.map((e) => row([
      [fmt(e.occurrences), 'num'], [e.method], [e.name, 'name'], [e.error, 'msg'],
    ])));
  }
  function showThresholds(list) {
    const failing = list.filter((t) => t.ok === false).length;
    const passing = list.filter((t) => t.ok === true).length;
    const allPass = list.length > 0 && passing === list.length;
    $('n-thresholds').textContent = failing ? failing + ' ✗' : allPass ? '✓' : list.length ? String(list.length) : '';
    $('n-thresholds').className = 'count' + (failing ? ' bad' : allPass ? ' good' : '');
    if (!list.length) {
      replaceRows($('thresholds-table').tBodies[0], [row([['–'], ['This scenario has no thresholds.'], ['']])]);
      return;
    }
    replaceRows($('thresholds-table').tBodies[0], list.map((t) => {
      const status = t.ok === null ? 'no data' : t.ok ? 'pass' : 'FAIL';
      let now = '–';
      if (t.value !== null) {
        if (t.unit === 's') now = fmtMs(t.value * 1000) + ' ms';
        else if (t.unit === 'ratio') now = fmt(t.value * 100, 2) + '%';
        else if (t.unit === 'rps') now = fmt(t.value, 1) + '/s';
        else now = fmt(t.value);
      }
      return row([[status, 'thr-' + (t.ok === null ? 'none' : t.ok ? 'pass' : 'fail')], [t.threshold, 'name'], [now, 'num']]);
    }));
  }
  async function poll() {
    try {
      const res = await api('stats/requests');
      if (!res.ok || typeof res.body !== 'object') throw new Error('HTTP ' + res.status);
      const s = res.body;
      showState(s);
      replaceRows($('stats-table').tBodies[0], statsRows(s.stats));
      showErrors(s.errors || []);
      showThresholds(s.thresholds || []);
      $('n-exceptions').textContent = s.exception_count ? String(s.exception_count) : '';
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      $('updated').className = '';
    } catch (e) {
      $('updated').textContent = 'cannot reach crowd (' + e.message + ')';
      $('updated').className = 'warn';
    }
  }

  async function pollExceptions() {
    const res = await api('exceptions');
    if (!res.ok) return;
    replaceRows($('exceptions-table').tBodies[0], res.body.exceptions.map((e) => row([
      [fmt(e.count), 'num'], [e.msg, 'msg'], [e.traceback, 'msg'], [e.nodes],
    ])));
  }

  // ---- task ratio ----------------------------------------------------------------------
  function ratioTree(obj) {
    const ul = el('ul', null, 'tree');
    Object.keys(obj || {}).forEach((name) => {
      const li = el('li');
      li.appendChild(el('span', (obj[name].ratio * 100).toFixed(1) + '%', 'pct'));
      li.appendChild(document.createTextNode(' ' + name));
      if (obj[name].tasks) li.appendChild(ratioTree(obj[name].tasks));
      ul.appendChild(li);
    });
    return ul;
  }
  async function pollTasks() {
    const res = await api('tasks');
    if (!res.ok) return;
    $('ratio-per-class').replaceChildren(ratioTree(res.body.per_class));
    $('ratio-total').replaceChildren(ratioTree(res.body.total));
  }

  // ---- charts (SVG) --------------------------------------------------------------------
  const SVG = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // A round step for about five grid lines up to v.
  function niceStep(v) {
    if (!(v > 0)) return 0.25;
    const raw = v / 5, p = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 2.5, 5, 10].find((k) => k * p >= raw) * p;
  }
  function hhmmss(t) {
    const d = new Date(t * 1000);
    return d.toTimeString().slice(0, 8);
  }
  // series: [{label, color, values}], times: epoch seconds
  function drawChart(svg, times, series, unit) {
    const W = Math.max(320, svg.parentNode.clientWidth || 800), H = 220;
    const L = 56, R = 16, T = 28, B = 28;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    const parts = [];
    let max = 0;
    series.forEach((s) => s.values.forEach((v) => { if (v !== null && v > max) max = v; }));
    const step = niceStep(max), lines = Math.max(1, Math.ceil(max / step - 1e-9));
    max = step * lines;
    const n = times.length;
    const t0 = n ? times[0] : 0, t1 = n > 1 ? times[n - 1] : t0 + 1;
    const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0 || 1);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const stepDigits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
    for (let k = 0; k <= lines; k++) {
      const v = step * k, yy = y(v);
      parts.push(svgEl('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'grid' }));
      parts.push(svgEl('text', { x: L - 6, y: yy + 4, class: 'axis', 'text-anchor': 'end' },
        fmt(v, stepDigits) + (k === lines && unit ? ' ' + unit : '')));
    }
    if (n) {
      const ticks = Math.min(6, n);
      for (let k = 0; k < ticks; k++) {
        const t = t0 + (t1 - t0) * k / Math.max(1, ticks - 1);
        parts.push(svgEl('text', { x: x(t), y: H - 8, class: 'axis', 'text-anchor': k === 0 ? 'start' : k === ticks - 1 ? 'end' : 'middle' }, hhmmss(t)));
      }
    } else {
      parts.push(svgEl('text', { x: W / 2, y: H / 2, class: 'axis', 'text-anchor': 'middle' }, 'No data yet: start a test'));
    }
    let lx = L;
    series.forEach((s) => {
      let d = '', pen = false;
      s.values.forEach((v, i) => {
        if (v === null) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(times[i]).toFixed(1) + ',' + y(v).toFixed(1);
        pen = true;
      });
      if (d) parts.push(svgEl('path', { d: d, class: 'line', stroke: s.color }));
      const last = s.values.length ? s.values[s.values.length - 1] : null;
      parts.push(svgEl('rect', { x: lx, y: 8, width: 10, height: 10, fill: s.color, rx: 2 }));
      const digits = s.digits !== undefined ? s.digits : last !== null && last < 10 ? 1 : 0;
      const label = svgEl('text', { x: lx + 14, y: 17, class: 'legend' }, s.label + (last !== null ? ': ' + fmt(last, digits) : ''));
      parts.push(label);
      lx += 24 + 8 * (label.textContent.length);
    });
    svg.replaceChildren(...parts);
  }
  async function pollHistory() {
    if (!visible('view-charts')) return;
    const res = await api('stats/history');
    if (!res.ok) return;
    const h = res.body;
    drawChart($('chart-rps'), h.time, [
      { label: 'RPS', color: '#15803d', values: h.current_rps },
      { label: 'Failures/s', color: '#dc2626', values: h.current_fail_per_sec },
    ], '');
    drawChart($('chart-rt'), h.time, [
      { label: 'Median', color: '#7c3aed', values: h['response_time_percentile_0.5'] },
      { label: '95th percentile', color: '#ea580c', values: h['response_time_percentile_0.95'] },
    ], 'ms');
    drawChart($('chart-users'), h.time, [{ label: 'Users', color: '#2563eb', values: h.user_count, digits: 0 }], '');
  }

  // ---- start -----------------------------------------------------------------------------
  async function init() {
    try {
      const res = await api('config');
      if (res.ok) config = res.body;
    } catch (e) { /* poll() says so */ }
    if (config) {
      $('scenario').textContent = config.scenario;
      $('version').textContent = 'crowd ' + config.version;
      document.title = 'crowd — ' + config.scenario;
    }
    fillForm();
    await poll();
    if (state === 'ready') showForm('new'); else hideForm();
    setInterval(() => { poll(); pollHistory(); if (visible('view-exceptions')) pollExceptions(); }, POLL_MS);
    window.addEventListener('resize', pollHistory);
  }
  init();
})();
