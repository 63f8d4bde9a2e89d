// Tokenwatch dashboard: plain JavaScript and SVG, bundled in the jar (no build step, no CDN).
'use strict';

const REFRESH_MS = 5000;
const METRICS = ['tokens_per_call', 'cost_per_call', 'cost_usd', 'calls', 'cache_miss_ratio', 'retry_rate', 'rejection_rate',
  'tool_calls_per_call', 'latency_p95', 'cost_per_accepted'];
const state = { groups: [], alerts: [], token: sessionStorage.getItem('tokenwatch.token') || '' };
const $ = (id) => document.getElementById(id);

async function api(path) {
  const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
  const response = await fetch(path, { headers });
  if (response.status === 401) {
    $('token-form').hidden = false;
    throw new Error('the API needs a token');
  }
  if (!response.ok) {
    throw new Error(path + ' answered ' + response.status);
  }
  return response.json();
}

function format(metric, value) {
  if (value === null || value === undefined) return '–';
  if (metric.endsWith('_rate') || metric.endsWith('_ratio') || metric === 'acceptance') return (value * 100).toFixed(1) + '%';
  if (metric.startsWith('cost') || metric.startsWith('budget_')) return money(value);
  if (metric.startsWith('latency')) return Math.round(value).toLocaleString('en-US') + ' ms';
  return Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

// One money format everywhere: dollars and cents; what rounds to zero cents says so instead of "$0.00".
function money(value) {
  if (value !== 0 && Math.abs(value) < 0.005) return (value < 0 ? '-' : '') + '<$0.01';
  return (value < 0 ? '-$' : '$') + Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// Axis ticks at round values: a step of 1, 2 or 5 times a power of ten, about four of them up to the top.
function roundTicks(max) {
  const rough = max / 4;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  const ticks = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(id, rows, columns, rowClass) {
  const body = $(id).querySelector('tbody');
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.group = row.dimension + '=' + row.group;
    if (rowClass) tr.className = rowClass(row);
    columns.forEach(([value, className]) => tr.appendChild(cell(value(row), className)));
    return tr;
  }));
}

function selectedGroup() {
  const value = $('group').value;
  return value ? state.groups.find((g) => g.dimension + '|' + g.group === value) : undefined;
}

// The newest alert, whose group and metric the page opens on (unless the address names a group).
function newestAlert() {
  return [...state.alerts].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))[0];
}

function refreshGroupSelect() {
  const select = $('group');
  const newest = newestAlert();
  if (!select.value && !location.hash.startsWith('#group=') && newest) {
    $('metric').value = newest.metric;
  }
  const current = select.value || (location.hash.startsWith('#group=') ? decodeURIComponent(location.hash.slice(7)).replace('/', '|')
    : newest ? newest.dimension + '|' + newest.group : '');
  const options = state.groups.map((g) => {
    const option = document.createElement('option');
    option.value = g.dimension + '|' + g.group;
    option.textContent = g.dimension + '=' + g.group;
    return option;
  });
  select.replaceChildren(...options);
  const busiest = [...state.groups].sort((a, b) => b.cost24hUsd - a.cost24hUsd)[0];
  select.value = state.groups.some((g) => g.dimension + '|' + g.group === current) ? current : (busiest ? busiest.dimension + '|' + busiest.group : '');
}

function svg(name, attributes, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', name);
  Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawTrend(series, metric) {
  const chart = $('trend');
  const width = 960, height = 300, left = 70, right = 16, top = 14, bottom = 34;
  const points = series.points.filter((p) => p.values[metric] !== null && p.values[metric] !== undefined);
  const baseline = series.baseline[metric];
  const alerts = state.alerts.filter((a) => a.dimension === series.dimension && a.group === series.group && a.metric === metric);
  chart.replaceChildren();
  chart.dataset.group = series.dimension + '|' + series.group;
  chart.dataset.metric = metric;
  chart.dataset.points = String(points.length);
  if (points.length === 0) {
    chart.appendChild(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'tick' }, 'no data for this metric yet'));
    return;
  }
  const times = points.map((p) => Date.parse(p.windowStart));
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 3600000);
  const values = points.map((p) => p.values[metric]).concat(baseline ?? [], alerts.map((a) => a.observed));
  const yTicks = roundTicks(Math.max(...values) || 1);
  const vMax = yTicks[yTicks.length - 1];
  const x = (t) => left + (t - t0) / (t1 - t0) * (width - left - right);
  const y = (v) => top + (1 - v / vMax) * (height - top - bottom);
  chart.appendChild(svg('line', { x1: left, y1: y(0), x2: width - right, y2: y(0), class: 'axis' }));
  chart.appendChild(svg('line', { x1: left, y1: top, x2: left, y2: y(0), class: 'axis' }));
  yTicks.forEach((v) => chart.appendChild(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick y-tick', 'data-value': v }, format(metric, v))));
  // The first and last time labels are anchored inside the chart so neither is cut off at the edge.
  [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']].forEach(([t, anchor]) => chart.appendChild(svg('text',
    { x: x(t), y: height - 10, 'text-anchor': anchor, class: 'tick x-tick' }, new Date(t).toISOString().slice(5, 16).replace('T', ' ') + 'Z')));
  if (baseline !== null && baseline !== undefined) {
    chart.appendChild(svg('line', { x1: left, y1: y(baseline), x2: width - right, y2: y(baseline), class: 'baseline', 'data-value': baseline }));
  }
  chart.appendChild(svg('polyline', { class: 'series', points: points.map((p, i) => x(times[i]) + ',' + y(p.values[metric])).join(' ') }));
  points.forEach((p, i) => {
    const dot = svg('circle', { cx: x(times[i]), cy: y(p.values[metric]), r: 2.5, class: 'point', 'data-start': p.windowStart, 'data-value': p.values[metric] });
    dot.appendChild(svg('title', {}, p.windowStart + ': ' + format(metric, p.values[metric])));
    chart.appendChild(dot);
  });
  alerts.forEach((a) => {
    const t = Math.min(Math.max(Date.parse(a.windowStart), t0), t1);
    const marker = svg('circle', { cx: x(t), cy: y(a.observed), r: 6, class: 'alert-marker', 'data-alert-id': a.alertId });
    marker.appendChild(svg('title', {}, a.status + ' ' + a.metric + ' ' + a.ratio.toFixed(2) + 'x'));
    chart.appendChild(marker);
  });
  $('trend-summary').textContent = points.length + ' hourly windows · baseline ' + format(metric, baseline) + ' · ' + alerts.length + ' alert(s)';
}

// One bar per budget, all on one scale: spent (solid), projected by the period's end (light), the limit (red line).
function drawBudgets(budgets) {
  if (budgets.length === 0) return;
  const scale = Math.max(...budgets.map((b) => Math.max(b.amountUsd, b.spentUsd, b.projectedUsd || 0))) * 1.05;
  const width = 600;
  const x = (usd) => (usd / scale) * width;
  $('budgets').replaceChildren(...budgets.map((b) => {
    const row = document.createElement('div');
    row.className = 'budget';
    row.dataset.budget = b.key;
    row.dataset.spent = b.spentUsd;
    row.dataset.projected = b.projectedUsd === null ? '' : b.projectedUsd;
    row.dataset.limit = b.amountUsd;
    const label = document.createElement('div');
    const share = Math.round(b.spentFraction * 100);
    label.textContent = b.dimension + '=' + b.group + ' · ' + b.period + ' to ' + b.periodEnd.slice(0, 16).replace('T', ' ') + ' UTC · '
      + money(b.spentUsd) + ' of ' + money(b.amountUsd) + ' (' + share + '%)'
      + (b.projectedUsd === null ? ' · no forecast yet' : ' · projected ' + money(b.projectedUsd))
      + (b.exhaustedAt ? ' · runs out ' + b.exhaustedAt.slice(0, 16).replace('T', ' ') + ' UTC' : '');
    if (b.spentFraction >= 1 || b.forecastAlertOpen) label.className = 'over';
    const bar = svg('svg', { viewBox: '0 0 ' + width + ' 14', class: 'budget-bar', role: 'img', 'aria-label': label.textContent });
    bar.appendChild(svg('rect', { class: 'track', x: 0, y: 2, width: width, height: 10 }));
    if (b.projectedUsd !== null) bar.appendChild(svg('rect', { class: 'forecast', x: 0, y: 2, width: x(b.projectedUsd), height: 10 }));
    bar.appendChild(svg('rect', { class: 'spent', x: 0, y: 2, width: x(b.spentUsd), height: 10 }));
    bar.appendChild(svg('line', { class: 'limit', x1: x(b.amountUsd), x2: x(b.amountUsd), y1: 0, y2: 14 }));
    row.append(label, bar);
    return row;
  }));
}

async function refreshTrend() {
  const group = selectedGroup();
  if (!group) return;
  const series = await api('/api/groups/' + encodeURIComponent(group.dimension) + '/' + encodeURIComponent(group.group) + '/series');
  drawTrend(series, $('metric').value);
}

async function refresh() {
  try {
    const [groups, outliers, alerts, budgets, reconciliation] = await Promise.all([
      api('/api/groups'), api('/api/outliers?sort=' + $('sort').value), api('/api/alerts?limit=50'), api('/api/budgets'),
      api('/api/reconciliation?days=7')]);
    drawBudgets(budgets);
    const percent = (rate) => (rate === null || rate === undefined ? '–' : (rate * 100).toFixed(1) + '%');
    fillTable('reconciliation', reconciliation, [
      [(r) => r.provider + ' / ' + r.model], [(r) => percent(r.captureRate), 'num'], [(r) => money(r.reportedUsd), 'num'],
      [(r) => money(r.capturedUsd), 'num'], [(r) => money(r.untrackedUsd), 'num'],
      [(r) => r.days.map((d) => d.day.slice(5) + ' ' + percent(d.captureRate)).join(' · ')], [(r) => r.latestStatus]],
      (r) => (r.captureRate !== null && Math.abs(1 - r.captureRate) > 0.05 ? 'anomalous' : ''));
    $('reconciliation').querySelectorAll('tbody tr').forEach((tr, i) => { tr.dataset.model = reconciliation[i].provider + '/' + reconciliation[i].model; });
    state.groups = groups;
    state.alerts = alerts;
    refreshGroupSelect();
    fillTable('highest-cost', outliers.highestCost, [
      [(g) => g.dimension + '=' + g.group], [(g) => format('cost', g.cost24hUsd), 'num'],
      [(g) => format('cost', g.costPerAccepted24hUsd), 'num'], [(g) => g.calls24h.toLocaleString('en-US'), 'num']]);
    fillTable('sudden-jumps', outliers.suddenJumps, [
      [(j) => j.dimension + '=' + j.group], [(j) => j.metric], [(j) => format(j.metric, j.observed), 'num'],
      [(j) => format(j.metric, j.baseline), 'num'], [(j) => j.ratio.toFixed(2) + 'x', 'num']], (j) => (j.anomalous ? 'anomalous' : ''));
    const retry = (g) => g.metrics.find((m) => m.metric === 'retry_rate') || {};
    fillTable('high-retry', outliers.highRetryRate, [
      [(g) => g.dimension + '=' + g.group], [(g) => format('retry_rate', retry(g).observed), 'num'], [(g) => format('retry_rate', retry(g).baseline), 'num']]);
    fillTable('low-acceptance', outliers.lowAcceptance, [
      [(g) => g.dimension + '=' + g.group], [(g) => format('acceptance', g.acceptance24h), 'num'], [(g) => g.decided24h.toLocaleString('en-US'), 'num']]);
    fillTable('alerts', alerts, [
      [(a) => a.updatedAt.slice(0, 16).replace('T', ' ')], [(a) => a.status, ''], [(a) => a.dimension + '=' + a.group], [(a) => a.metric],
      [(a) => format(a.metric, a.observed), 'num'], [(a) => format(a.metric, a.baseline), 'num'], [(a) => a.ratio.toFixed(2) + 'x', 'num'],
      [(a) => format('cost', a.costImpactUsd), 'num']]);
    $('alerts').querySelectorAll('tbody tr').forEach((tr, i) => {
      tr.dataset.alertId = alerts[i].alertId;
      tr.children[1].className = 'status-' + alerts[i].status;
    });
    await refreshTrend();
    $('status').textContent = groups.length + ' groups · updated ' + new Date().toLocaleTimeString();
    document.body.dataset.loaded = 'true';
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
  }
}

METRICS.forEach((m) => {
  const option = document.createElement('option');
  option.value = m;
  option.textContent = m;
  $('metric').appendChild(option);
});
$('group').addEventListener('change', refreshTrend);
$('metric').addEventListener('change', refreshTrend);
$('sort').addEventListener('change', refresh);
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value;
  sessionStorage.setItem('tokenwatch.token', state.token);
  $('token-form').hidden = true;
  refresh();
});
refresh();
setInterval(refresh, REFRESH_MS);
