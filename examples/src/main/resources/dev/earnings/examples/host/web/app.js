'use strict';
// The example host's pages: plain JavaScript, no libraries, no network beyond this server, no
// inline script (the server's Content-Security-Policy forbids it).
//
// The token is typed into the page's sign-in form, kept in sessionStorage (this tab only) and sent
// in the Authorization header; never in a URL, where history, logs and Referer headers keep it.

function token() { return sessionStorage.getItem('token') || ''; }

async function api(path, options) {
  const headers = { Authorization: 'Bearer ' + token() };
  if (options && options.body !== undefined) { headers['Content-Type'] = 'application/json'; }
  const response = await fetch(path, Object.assign({}, options || {}, { headers }));
  // An error may come without a JSON body (a server's plain 404): the status still says what happened.
  const body = await response.json().catch(() => ({}));
  // The example host's errors say why in "message"; the Spring Boot starter's problem details in "detail".
  const message = body.message || body.detail;
  if (response.status === 401) {
    // The token is wrong: back to the sign-in form, saying why.
    sessionStorage.removeItem('token');
    sessionStorage.setItem('signInMessage', message || 'sign in again');
    location.reload();
  }
  if (!response.ok) {
    const error = new Error(message || response.statusText || 'HTTP ' + response.status);
    error.status = response.status;
    throw error;
  }
  return body;
}

// Shows the sign-in form until a token is given, then starts the page. Signing in or out reloads
// the page, so that it starts once with the token it has.
function signedIn(start) {
  const form = document.getElementById('sign-in');
  const out = document.getElementById('sign-out');
  form.addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem('token', document.getElementById('token').value.trim());
    location.reload();
  });
  out.addEventListener('click', () => { sessionStorage.removeItem('token'); location.reload(); });
  const message = sessionStorage.getItem('signInMessage');
  sessionStorage.removeItem('signInMessage');
  if (token()) {
    out.hidden = false;
    start();
  } else {
    form.hidden = false;
    if (message) { status(message, true); }
    document.body.dataset.signIn = 'shown';
  }
}

// A decimal string rounded half-up to so many places, its point first moved `shift` places right
// (2 for a percentage), worked on the string's digits: never floating point.
function fixed(amount, places, shift) {
  const [whole, fraction = ''] = String(amount).split('.');
  const digits = places === undefined ? 2 : places;
  // Rounds half-up on the decimal string for display only; the API keeps every digit.
  const scaled = BigInt(whole + (fraction + '0'.repeat(12)).slice(0, 12));
  const unit = 10n ** BigInt(12 - (shift || 0) - digits);
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const rounded = (magnitude + unit / 2n) / unit;
  const s = rounded.toString().padStart(digits + 1, '0');
  return (negative ? '-' : '') + s.slice(0, s.length - digits) + (digits ? '.' + s.slice(s.length - digits) : '');
}

function usd(amount, places) {
  const text = fixed(amount, places);
  return text.startsWith('-') ? '-$' + text.slice(1) : '$' + text;
}

// A ratio ("0.2412") as a percentage ("24.1%").
function percent(ratio, places) { return fixed(ratio, places === undefined ? 1 : places, 2) + '%'; }

// Whether a decimal string is zero, read as text: amounts are never turned into floating point.
function isZero(amount) { return /^-?0*(\.0*)?$/.test(String(amount)); }

function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }
// Fills a table body, one row per item; rowClass, if given, names a class for an item's row.
function rows(id, items, render, rowClass) {
  const body = document.getElementById(id);
  body.replaceChildren();
  for (const item of items) {
    const tr = document.createElement('tr');
    render(item).forEach(t => tr.appendChild(cell(t)));
    const name = rowClass ? rowClass(item) : '';
    if (name) { tr.className = name; }
    body.appendChild(tr);
  }
}
function item(list, text, className) {
  const li = document.createElement('li');
  li.textContent = text;
  if (className) { li.className = className; }
  list.appendChild(li);
}
// A query string of names and values, each value encoded; built here, never read from the page's URL.
function queryOf(params) {
  return Object.entries(params).map(([name, value]) => name + '=' + encodeURIComponent(value)).join('&');
}
function setText(id, text) { document.getElementById(id).textContent = text; }
function status(text, error) { const s = document.getElementById('status'); s.textContent = text; s.className = error ? 'error' : ''; }

function drawTrend(points) {
  const svg = document.getElementById('trend');
  svg.replaceChildren();
  const ns = 'http://www.w3.org/2000/svg';
  const values = points.map(p => Number(p.earnings));
  const max = Math.max(...values, 0.000001);
  const width = 1000 / Math.max(points.length, 1);
  points.forEach((p, i) => {
    const h = Math.round(Number(p.earnings) / max * 170);
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', 30 + i * width); rect.setAttribute('y', 180 - h);
    rect.setAttribute('width', Math.max(1, width - 2)); rect.setAttribute('height', h); rect.setAttribute('fill', '#3d6fd9');
    const title = document.createElementNS(ns, 'title'); title.textContent = p.day + ': ' + usd(p.earnings, 4);
    rect.appendChild(title); svg.appendChild(rect);
    if (i % Math.ceil(points.length / 8) === 0) {
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', 30 + i * width); label.setAttribute('y', 195); label.textContent = p.day.slice(5);
      svg.appendChild(label);
    }
  });
}

// The zones the dashboard offers: the browser's own first, then common ones.
const ZONES = ['UTC', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'America/New_York', 'America/Chicago',
  'America/Los_Angeles', 'America/Sao_Paulo', 'Asia/Kolkata', 'Asia/Singapore', 'Asia/Tokyo', 'Australia/Sydney',
  'Pacific/Auckland'];

function fillZones(select) {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  [own].concat(ZONES.filter(z => z !== own)).forEach((zone, i) => {
    const o = document.createElement('option');
    o.value = zone;
    o.textContent = zone + (i === 0 ? ' (this browser)' : '');
    select.appendChild(o);
  });
  select.value = own;
}

// A zone's name for people: UTC, however it is written.
function zoneName(zone) { return zone === 'Z' ? 'UTC' : zone; }

// The day before a day, for a half-open range's last day.
function dayBefore(day) { return new Date(Date.parse(day + 'T00:00:00Z') - 86400000).toISOString().slice(0, 10); }

// An estimate's interval; an upper bound the forecast could not give is said so.
function interval(estimate, format) {
  return format(estimate.low) + ' to ' + (estimate.high === null ? 'unbounded' : format(estimate.high));
}

function tierOutlook(t) {
  if (t.nextTier === null) {
    return t.modelId + ' is in tier ' + t.currentTier + ', the last, with ' + t.countedUses + ' counted uses.';
  }
  return t.modelId + ' is in tier ' + t.currentTier + ', ' + t.usesToNextTier + ' counted uses from tier ' + t.nextTier
    + '; at ' + t.usesPerDay + ' uses a day (the last 28 days) it gets there '
    + (t.expectedDay ? 'by ' + t.expectedDay + '.' : 'not at all: it had no counted uses in the last 28 days.');
}

// The forecast's expected earnings a day, with the interval as a band. Numbers for the drawing only.
function drawForecast(days) {
  const svg = document.getElementById('forecast-chart');
  svg.replaceChildren();
  const ns = 'http://www.w3.org/2000/svg';
  const top = d => Number(d.earnings.high === null ? d.earnings.expected : d.earnings.high);
  const max = Math.max(...days.map(top), 0.000001);
  const step = 1000 / Math.max(days.length - 1, 1);
  const x = i => 30 + i * step;
  const y = v => 180 - Number(v) / max * 170;
  const upper = days.map((d, i) => x(i) + ',' + y(top(d)));
  const lower = days.map((d, i) => x(i) + ',' + y(d.earnings.low)).reverse();
  const band = document.createElementNS(ns, 'polygon');
  band.setAttribute('points', upper.concat(lower).join(' '));
  band.setAttribute('class', 'band');
  svg.appendChild(band);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', days.map((d, i) => x(i) + ',' + y(d.earnings.expected)).join(' '));
  line.setAttribute('class', 'expected');
  svg.appendChild(line);
  days.forEach((d, i) => {
    const dot = document.createElementNS(ns, 'circle');
    dot.setAttribute('cx', x(i)); dot.setAttribute('cy', y(d.earnings.expected)); dot.setAttribute('r', 3);
    dot.setAttribute('fill', '#3d6fd9');
    const title = document.createElementNS(ns, 'title');
    title.textContent = d.day + ': ' + usd(d.earnings.expected) + ' (' + interval(d.earnings, usd) + ')';
    dot.appendChild(title); svg.appendChild(dot);
    if (i % Math.ceil(days.length / 8) === 0) {
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', Math.min(x(i) - 12, 1005)); label.setAttribute('y', 195); label.textContent = d.day.slice(5);
      svg.appendChild(label);
    }
  });
}

// Loads one insight section. A server without the endpoint (the Spring Boot example, until its
// starter has them) answers 404: the section is hidden rather than showing an error.
async function section(id, load) {
  const el = document.getElementById(id);
  if (el.dataset.state === 'absent') { return; }
  let error = el.querySelector('.section-error');
  try {
    await load();
    if (error) { error.remove(); }
    el.dataset.state = 'loaded';
  } catch (e) {
    if (e.status === 404) {
      el.hidden = true;
      el.dataset.state = 'absent';
      return;
    }
    if (!error) {
      error = document.createElement('p');
      error.className = 'error section-error';
      el.appendChild(error);
    }
    error.textContent = e.message;
    el.dataset.state = 'error';
  }
}

async function dashboard() {
  const period = document.getElementById('period');
  const model = document.getElementById('model');
  const usageType = document.getElementById('usage-type');
  const zone = document.getElementById('zone');
  const forecastDays = document.getElementById('forecast-days');
  fillZones(zone);
  // The server's today in the chosen zone, the last day of the dashboard's range.
  let today = '';
  let modelIds = [];
  let generation = 0;

  async function loadForecast(current) {
    const f = await api('/api/insights/forecast?' + queryOf({ days: forecastDays.value, zone: zone.value }));
    if (!current()) { return; }
    setText('forecast-earnings', usd(f.earnings.expected));
    setText('forecast-earnings-range', interval(f.earnings, usd) + ' (' + percent(f.confidence, 0) + ' interval)');
    setText('forecast-uses', f.uses.expected);
    setText('forecast-uses-range', interval(f.uses, u => u) + ' (' + percent(f.confidence, 0) + ' interval)');
    setText('forecast-method', f.days.length + ' days from ' + f.days[0].day + ' (' + f.zone + '), fitted on '
      + f.historyFrom + ' to ' + dayBefore(f.historyTo) + ': ' + f.method);
    drawForecast(f.days);
    rows('forecast-table', f.days, d => [d.day, d.uses.expected, interval(d.uses, u => u), usd(d.earnings.expected),
      interval(d.earnings, usd)]);
    const tiers = document.getElementById('forecast-tiers');
    tiers.replaceChildren();
    f.tiers.forEach(t => item(tiers, tierOutlook(t)));
  }

  async function loadGoals(current) {
    const g = await api('/api/insights/goals');
    if (!current()) { return; }
    const month = today.slice(0, 7);
    setText('goal-month', month);
    const goal = g.goals.find(x => x.month === month);
    document.getElementById('goal-none').hidden = Boolean(goal);
    document.getElementById('goal-current').hidden = !goal;
    if (goal) {
      // The bar's length is drawing only; the figures beside it are the decimal strings.
      document.getElementById('goal-progress').value = Math.min(1, Number(goal.fraction));
      setText('goal-percent', percent(goal.fraction) + (goal.reached ? ', reached' : ''));
      setText('goal-earned', usd(goal.earned));
      setText('goal-target', usd(goal.target));
      setText('goal-remaining', usd(goal.remaining));
      setText('goal-note', (goal.reached ? 'Reached on ' + goal.reachedAt.slice(0, 10) + '. '
        : goal.projectedReachDay ? 'At this pace it is reached by ' + goal.projectedReachDay + '. ' : '')
        + 'The month of ' + zoneName(goal.zone) + ', earnings net of reversals; set by ' + goal.setBy + '.');
    }
    const others = g.goals.filter(x => x.month !== month);
    document.getElementById('goal-others').hidden = others.length === 0;
    rows('goals', others, x => [x.month, zoneName(x.zone), usd(x.target), usd(x.earned), x.reached ? 'yes' : 'no']);
  }

  async function loadAlerts(current) {
    const a = await api('/api/insights/alerts?' + queryOf({ period: period.value, zone: zone.value }));
    if (!current()) { return; }
    const list = document.getElementById('alerts');
    list.replaceChildren();
    a.alerts.forEach(x => item(list, x.day + ', ' + x.modelId + ': ' + x.explanation, x.direction));
    if (a.alerts.length === 0) { item(list, 'No unusual days in the period.', 'none'); }
  }

  async function loadRecommendations(current) {
    const r = await api('/api/insights/recommendations');
    if (!current()) { return; }
    const list = document.getElementById('recommendations');
    list.replaceChildren();
    r.recommendations.forEach(x => item(list, x.reason, x.kind.toLowerCase()));
    if (r.recommendations.length === 0) { item(list, 'Nothing to suggest now.', 'none'); }
  }

  function compareBoxes() {
    const box = document.getElementById('compare-models');
    if (box.dataset.models === modelIds.join(',')) { return; }
    box.dataset.models = modelIds.join(',');
    box.replaceChildren();
    modelIds.forEach(id => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox'; input.value = id; input.checked = true;
      input.addEventListener('change', () => section('compare-section', () => loadComparison(() => true)));
      label.append(input, ' ' + id);
      box.appendChild(label);
    });
  }

  function standing(s) {
    // The percentile is the share of models that earned less: 100 minus it is the model's "top N%".
    const tenths = 1000n - BigInt(fixed(s.percentile, 1).replace('.', '').replace('-', ''));
    return s.usageType + ': rank ' + s.rank + ' of ' + s.models + ', top ' + (tenths / 10n) + '.' + (tenths % 10n) + '%';
  }

  async function loadComparison(current) {
    compareBoxes();
    const chosen = [...document.querySelectorAll('#compare-models input:checked')].map(i => i.value);
    const head = document.getElementById('comparison-head');
    if (chosen.length < 2) {
      head.replaceChildren();
      rows('comparison', [], x => x);
      setText('compare-message', modelIds.length < 2 ? 'Comparing needs two or more models.'
        : 'Pick two or more models to compare.');
      return;
    }
    const c = await api('/api/insights/compare?' + queryOf({ models: chosen.join(','), period: period.value,
      zone: zone.value }));
    if (!current()) { return; }
    setText('compare-message', c.from + ' to ' + dayBefore(c.to) + ' (' + c.zone + ')');
    const tr = document.createElement('tr');
    ['', ...c.models.map(m => m.modelId)].forEach(t => { const th = document.createElement('th'); th.textContent = t; tr.appendChild(th); });
    head.replaceChildren(tr);
    const lines = [
      ['uses', m => m.uses.toLocaleString('en-US')],
      ['earning uses', m => m.earningUses.toLocaleString('en-US')],
      ['earnings', m => usd(m.earnings, 4)],
      ['reversed', m => usd(m.reversed, 4)],
      ['earnings per use', m => m.earningsPerUse === null ? '-' : usd(m.earningsPerUse, 6)],
      ['share of earnings', m => m.shareOfEarnings === null ? '-' : percent(m.shareOfEarnings)],
      ['standing', m => m.standings.length ? m.standings.map(standing).join('; ')
        : 'withheld: too few creators to rank among']];
    rows('comparison', lines, ([label, value]) => [label, ...c.models.map(value)]);
  }

  async function loadMarket(current) {
    const m = await api('/api/insights/market?' + queryOf({ period: period.value, zone: zone.value }));
    if (!current()) { return; }
    const figures = f => f === null ? ['withheld', '', '', ''] : [f.uses.toLocaleString('en-US'), usd(f.earnings), f.models, f.creators];
    const withheld = b => b.figures === null ? 'withheld' : '';
    setText('market-note', 'The platform, ' + m.from + ' to ' + dayBefore(m.to) + ' (' + m.zone + ')'
      + (m.anonymized ? ': a figure is shown only where it covers at least ' + m.minimumCreators + ' creators,'
        + ' "withheld" otherwise.' : ': every figure.'));
    const g = m.growth;
    setText('market-growth', 'Growth on the period before: ' + (g.current === null || g.previous === null ? 'withheld'
      : 'uses ' + g.previous.uses + ' to ' + g.current.uses + (g.usesChangeRatio === null ? '' : ' (' + percent(g.usesChangeRatio) + ')')
        + ', earnings ' + usd(g.previous.earnings) + ' to ' + usd(g.current.earnings)
        + (g.earningsChangeRatio === null ? '' : ' (' + percent(g.earningsChangeRatio) + ')')) + '.');
    const c = m.concentration;
    setText('market-concentration', 'Earnings of the top 1% of ' + c.models + ' models: '
      + (c.topOnePercentShare === null ? 'withheld' : percent(c.topOnePercentShare)) + '; of the top 10%: '
      + (c.topTenPercentShare === null ? 'withheld' : percent(c.topTenPercentShare)) + '.');
    rows('market-types', m.byUsageType, b => [b.key, ...figures(b.figures)], withheld);
    rows('market-weekdays', m.byWeekday, b => [b.key.charAt(0) + b.key.slice(1).toLowerCase(), ...figures(b.figures)], withheld);
    rows('market-hours', m.byHour, b => [b.key + ':00', ...figures(b.figures)], withheld);
  }

  async function insights(current) {
    await Promise.all([
      section('goal-section', () => loadGoals(current)),
      section('forecast-section', () => loadForecast(current)),
      section('alerts-section', () => loadAlerts(current)),
      section('recommendations-section', () => loadRecommendations(current)),
      section('compare-section', () => loadComparison(current)),
      section('market-section', () => loadMarket(current))]);
    if (current()) {
      document.body.dataset.insights = zone.value + ' ' + period.value + ' ' + forecastDays.value;
    }
  }

  async function load() {
    const mine = ++generation;
    const current = () => mine === generation;
    status('loading');
    try {
      const params = { period: period.value, zone: zone.value };
      if (model.value) { params.modelId = model.value; }
      if (usageType.value) { params.usageType = usageType.value; }
      const d = await api('/api/creator-analytics?' + queryOf(params));
      if (!current()) { return; }
      const lastDay = dayBefore(d.to);
      today = lastDay;
      setText('who', d.creatorId + ', ' + d.from + ' to ' + lastDay + (d.zone ? ' (' + zoneName(d.zone) + ')' : ''));
      setText('gross-earnings', usd(d.grossEarnings));
      setText('total-reversed', usd(d.totalReversed));
      setText('total-earnings', usd(d.totalEarnings));
      setText('active-models', d.activeModels);
      setText('total-usage', d.totalUsage.toLocaleString('en-US'));
      setText('average-per-model', usd(d.averagePerModel));
      setText('lifetime-earnings', usd(d.lifetimeEarnings));
      setText('lifetime-reversed', usd(d.lifetimeReversed));
      setText('held', usd(d.balance.held));
      setText('pending', usd(d.balance.pending));
      setText('available', usd(d.balance.available));
      setText('owed', usd(d.balance.owed));
      // Owing happens when a use already paid out is reversed; say what it means for payouts.
      const note = document.getElementById('owed-note');
      note.hidden = isZero(d.balance.owed);
      note.textContent = note.hidden ? '' : 'You owe the platform ' + usd(d.balance.owed, 6) + ': uses already paid out'
        + ' were reversed. Later earnings repay it first; nothing is paid out until then.';
      if (model.options.length === 1) {
        // The example host lists all of the creator's models; an answer without that list (the Spring
        // Boot starter's) offers the models it shows.
        modelIds = d.modelIds || d.models.map(m => m.modelId);
        modelIds.forEach(id => { const o = document.createElement('option'); o.value = id; o.textContent = id; model.appendChild(o); });
      }
      drawTrend(d.trend);
      rows('models', d.models, m => [m.modelId, m.uses, usd(m.earnings, 4), m.tier, m.multiplier + 'x', m.usesToNextTier < 0 ? 'top tier' : m.usesToNextTier]);
      rows('activity', d.recentActivity, a => [a.at.slice(0, 16).replace('T', ' '), a.modelId, a.usageType, a.tokens,
        usd(a.earnings, 6), a.isReversed ? (a.reversed === a.earnings ? 'reversed ' : 'partly reversed ') + usd(a.reversed, 6) : '',
        a.user], a => a.isReversed ? 'reversed' : '');
      rows('transactions', d.transactions, t => ['#' + t.id, t.reference, '$' + t.amount, t.status, t.createdAt.slice(0, 10)]);
      status('period ' + period.value + ' loaded');
      document.body.dataset.loadedZone = zone.value;
      document.body.dataset.loadedPeriod = period.value;
    } catch (e) { status(e.message, true); return; }
    await insights(current);
  }

  document.getElementById('goal-form').addEventListener('submit', async event => {
    event.preventDefault();
    const month = today.slice(0, 7);
    // The target goes as the decimal string typed, never as a JSON number.
    const target = document.getElementById('goal-input').value.trim();
    try {
      const g = await api('/api/insights/goals', { method: 'POST', body: JSON.stringify({ month, zone: zone.value, target }) });
      setText('goal-message', 'goal set: ' + usd(g.target) + ' for ' + g.month + ' (' + g.zone + ')');
      await section('goal-section', () => loadGoals(() => true));
    } catch (e) { setText('goal-message', e.message); }
  });
  forecastDays.addEventListener('change', async () => {
    const mine = generation;
    await section('forecast-section', () => loadForecast(() => mine === generation));
    if (mine === generation) { document.body.dataset.insights = zone.value + ' ' + period.value + ' ' + forecastDays.value; }
  });
  period.addEventListener('change', load);
  model.addEventListener('change', load);
  usageType.addEventListener('change', load);
  zone.addEventListener('change', load);
  await load();
}

async function admin() {
  const period = document.getElementById('period');
  const payouts = [];
  function renderPayouts() {
    const body = document.getElementById('payouts');
    body.replaceChildren();
    for (const p of payouts) {
      const tr = document.createElement('tr');
      ['#' + p.id, p.creatorId, '$' + p.amount, p.status].forEach(t => tr.appendChild(cell(t)));
      const actions = document.createElement('td');
      if (p.status === 'PENDING') {
        for (const action of ['complete', 'fail']) {
          const b = document.createElement('button');
          b.textContent = action;
          b.addEventListener('click', async () => {
            try {
              const updated = await api('/api/admin/payouts/' + p.id + '/' + action, { method: 'POST', body: JSON.stringify({ reason: action === 'fail' ? 'failed from the admin page' : 'paid from the admin page' }) });
              Object.assign(p, updated); renderPayouts(); load(); loadAudit(0);
            } catch (e) { setText('payout-message', e.message); }
          });
          actions.appendChild(b);
        }
      }
      tr.appendChild(actions); body.appendChild(tr);
    }
  }
  async function load() {
    status('loading');
    try {
      const t = await api('/api/admin/totals?period=' + period.value);
      setText('admin-earnings', usd(t.earnings));
      setText('admin-reversed', usd(t.reversed));
      setText('admin-uses', t.uses.toLocaleString('en-US'));
      setText('admin-creators', t.creatorsWithUsage);
      setText('admin-models', t.modelsWithUsage);
      const c = await api('/api/admin/creators?period=' + period.value + '&sort=LIFETIME_EARNINGS');
      rows('creators', c.items, i => [i.creatorId, usd(i.lifetimeEarnings, 4), usd(i.periodEarnings, 4), usd(i.periodReversed, 4),
        i.periodUses, i.models, usd(i.balance.held, 4), usd(i.balance.available, 4), usd(i.balance.owed, 4)],
        i => isZero(i.balance.owed) ? '' : 'owes');
      status('period ' + period.value + ' loaded');
    } catch (e) { status(e.message, true); }
  }
  document.getElementById('payout-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const p = await api('/api/admin/payouts', { method: 'POST', body: JSON.stringify({
        creatorId: document.getElementById('payout-creator').value,
        amountMinor: Number(document.getElementById('payout-amount').value),
        reference: document.getElementById('payout-reference').value }) });
      payouts.unshift(p); renderPayouts(); load(); loadAudit(0); setText('payout-message', 'payout #' + p.id + ' created');
    } catch (e) { setText('payout-message', e.message); }
  });
  document.getElementById('bulk-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const r = await api('/api/admin/payouts/bulk', { method: 'POST', body: JSON.stringify({
        thresholdMinor: Number(document.getElementById('bulk-threshold').value),
        batchReference: document.getElementById('bulk-batch').value || 'batch',
        dryRun: document.getElementById('bulk-dry').checked }) });
      r.items.filter(i => i.payout && i.outcome === 'CREATED').forEach(i => payouts.unshift(i.payout));
      renderPayouts(); load(); loadAudit(0);
      setText('payout-message', (r.dryRun ? 'dry run: ' : '') + r.items.map(i => i.creatorId + ' ' + i.outcome).join(', '));
    } catch (e) { setText('payout-message', e.message); }
  });
  document.getElementById('reverse-form').addEventListener('submit', async event => {
    event.preventDefault();
    const amount = document.getElementById('reverse-amount').value.trim();
    // The amount goes as the decimal string typed, never as a JSON number; none reverses all that remains.
    const request = { eventId: document.getElementById('reverse-event').value.trim(),
      correctionId: document.getElementById('reverse-correction').value.trim(),
      reason: document.getElementById('reverse-reason').value };
    if (amount) { request.amount = amount; }
    try {
      const r = await api('/api/admin/reversals', { method: 'POST', body: JSON.stringify(request) });
      setText('reverse-message', (r.replayed ? 'already made under this correction id: ' : 'reversed ')
        + usd(r.amount, 6) + ' of ' + r.eventId + ' (' + r.creatorId + ', ' + r.modelId + '); ' + usd(r.remaining, 6)
        + ' of the use remains; ' + r.creatorId + ' has ' + usd(r.balance.available, 4) + ' available'
        + (isZero(r.balance.owed) ? '' : ' and owes ' + usd(r.balance.owed, 4)));
      load(); loadAudit(0);
    } catch (e) { setText('reverse-message', e.message); }
  });

  let auditPage = 0;
  function auditQuery(page) {
    const parts = ['page=' + page, 'size=20'];
    const add = (name, value) => { if (value) { parts.push(name + '=' + encodeURIComponent(value)); } };
    add('actor', document.getElementById('audit-actor').value.trim());
    add('action', document.getElementById('audit-action').value);
    add('targetType', document.getElementById('audit-target-type').value);
    add('targetId', document.getElementById('audit-target-id').value.trim());
    // Days in UTC; "until" includes its day, so the range ends at the start of the next one.
    const from = document.getElementById('audit-from').value;
    const until = document.getElementById('audit-until').value;
    add('from', from ? from + 'T00:00:00Z' : '');
    add('to', until ? new Date(Date.parse(until + 'T00:00:00Z') + 86400000).toISOString() : '');
    return parts.join('&');
  }
  function values(v) { return v ? Object.entries(v).map(([k, x]) => k + ' ' + x).join(', ') : ''; }
  async function loadAudit(page) {
    try {
      const a = await api('/api/admin/audit-log?' + auditQuery(page));
      auditPage = a.page;
      rows('audit', a.items, e => [e.occurredAt.slice(0, 19).replace('T', ' '), e.actor, e.action,
        e.targetType + ' ' + e.targetId, e.creatorId || '', e.reason || '', values(e.before), values(e.after)]);
      setText('audit-status', a.totalItems === 0 ? 'no entries' : 'page ' + (a.page + 1) + ' of ' + a.totalPages
        + ', ' + a.totalItems + (a.totalItems === 1 ? ' entry' : ' entries'));
      document.getElementById('audit-prev').disabled = a.page === 0;
      document.getElementById('audit-next').disabled = a.page + 1 >= a.totalPages;
    } catch (e) { setText('audit-status', e.message); }
  }
  document.getElementById('audit-form').addEventListener('submit', event => { event.preventDefault(); loadAudit(0); });
  document.getElementById('audit-prev').addEventListener('click', () => loadAudit(Math.max(0, auditPage - 1)));
  document.getElementById('audit-next').addEventListener('click', () => loadAudit(auditPage + 1));

  // Webhooks are delivered in the background: the section is read again every few seconds.
  function time(instant) { return instant.slice(0, 19).replace('T', ' '); }
  let webhooksTimer;
  async function loadWebhooks() {
    const deliveries = api('/api/admin/webhooks/deliveries');
    try {
      const [d, s, r] = await Promise.all([deliveries, api('/api/admin/events/status'),
        api('/api/admin/webhooks/received')]);
      setText('events-status', 'consumer ' + s.consumer + (s.running ? '' : ' (not running)') + ' posts every event to '
        + d.endpoint + (d.builtInReceiver ? ' (the app\'s own receiver)' : '') + ': ' + s.pending + ' pending, '
        + s.retryingLanes + (s.retryingLanes === 1 ? ' lane' : ' lanes') + ' retrying, ' + s.deadLetterCount
        + (s.deadLetterCount === 1 ? ' dead letter' : ' dead letters') + (s.lastError ? '; last error: ' + s.lastError : ''));
      rows('deliveries', d.items, a => [time(a.attemptedAt), a.type, a.eventId,
        a.succeeded ? 'HTTP ' + a.status : a.failure, (a.durationMicros / 1000).toFixed(1) + ' ms'],
        a => a.succeeded ? '' : 'failed');
      rows('dead-letters', s.deadLetters, l => [time(l.failedAt), l.type, l.eventId, l.creatorId, l.attempts, l.error]);
      rows('received', r.items, e => [time(e.receivedAt), e.type, e.eventId, e.creatorId, e.position, values(e.data)]);
      document.getElementById('replay').disabled = s.deadLetterCount === 0;
      document.body.dataset.webhooksLoaded = 'yes';
    } catch (e) {
      // A server without webhook endpoints (the Spring Boot example) answers 404: the section is
      // hidden and not asked again, rather than showing an error every few seconds.
      if (await deliveries.then(() => false, failed => failed.status === 404)) {
        clearInterval(webhooksTimer);
        document.getElementById('webhooks').hidden = true;
        document.body.dataset.webhooksLoaded = 'absent';
        return;
      }
      setText('events-status', e.message);
    }
  }
  document.getElementById('webhooks-refresh').addEventListener('click', loadWebhooks);
  document.getElementById('replay').addEventListener('click', async () => {
    try {
      const r = await api('/api/admin/events/replay', { method: 'POST' });
      setText('replay-message', 'replayed: ' + r.replayed + ' delivered, ' + r.deadLetters
        + (r.deadLetters === 1 ? ' dead letter' : ' dead letters') + ' left');
    } catch (e) { setText('replay-message', e.message); }
    loadWebhooks();
  });
  webhooksTimer = setInterval(loadWebhooks, 2000);

  period.addEventListener('change', load);
  await Promise.all([load(), loadAudit(0), loadWebhooks()]);
}

signedIn(document.body.dataset.page === 'admin' ? admin : dashboard);
