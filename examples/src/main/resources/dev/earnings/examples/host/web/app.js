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
  const body = await response.json();
  if (response.status === 401) {
    // The token is wrong: back to the sign-in form, saying why.
    sessionStorage.removeItem('token');
    sessionStorage.setItem('signInMessage', body.message || 'sign in again');
    location.reload();
  }
  if (!response.ok) { throw new Error(body.message || response.statusText); }
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

function usd(amount, places) {
  const [whole, fraction = ''] = String(amount).split('.');
  const digits = places === undefined ? 2 : places;
  // Rounds half-up on the decimal string for display only; the API keeps every digit.
  const scaled = BigInt(whole + (fraction + '0'.repeat(12)).slice(0, 12));
  const unit = 10n ** BigInt(12 - digits);
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const rounded = (magnitude + unit / 2n) / unit;
  const s = rounded.toString().padStart(digits + 1, '0');
  return (negative ? '-$' : '$') + s.slice(0, s.length - digits) + (digits ? '.' + s.slice(s.length - digits) : '');
}

function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }
function rows(id, items, render) {
  const body = document.getElementById(id);
  body.replaceChildren();
  for (const item of items) { const tr = document.createElement('tr'); render(item).forEach(t => tr.appendChild(cell(t))); body.appendChild(tr); }
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

async function dashboard() {
  const period = document.getElementById('period');
  const model = document.getElementById('model');
  async function load() {
    status('loading');
    try {
      const query = 'period=' + period.value + (model.value ? '&modelId=' + encodeURIComponent(model.value) : '');
      const d = await api('/api/creator-analytics?' + query);
      const lastDay = new Date(Date.parse(d.to + 'T00:00:00Z') - 86400000).toISOString().slice(0, 10);
      setText('who', d.creatorId + ', ' + d.from + ' to ' + lastDay);
      setText('total-earnings', usd(d.totalEarnings));
      setText('active-models', d.activeModels);
      setText('total-usage', d.totalUsage.toLocaleString('en-US'));
      setText('average-per-model', usd(d.averagePerModel));
      setText('available', usd(d.balance.available));
      if (model.options.length === 1) {
        d.modelIds.forEach(id => { const o = document.createElement('option'); o.value = id; o.textContent = id; model.appendChild(o); });
      }
      drawTrend(d.trend);
      rows('models', d.models, m => [m.modelId, m.uses, usd(m.earnings, 4), m.tier, m.multiplier + 'x', m.usesToNextTier < 0 ? 'top tier' : m.usesToNextTier]);
      rows('activity', d.recentActivity, a => [a.at.slice(0, 16).replace('T', ' '), a.modelId, a.usageType, a.tokens, usd(a.earnings, 6), a.user]);
      rows('transactions', d.transactions, t => ['#' + t.id, t.reference, '$' + t.amount, t.status, t.createdAt.slice(0, 10)]);
      status('period ' + period.value + ' loaded');
      document.body.dataset.loadedPeriod = period.value;
    } catch (e) { status(e.message, true); }
  }
  period.addEventListener('change', load);
  model.addEventListener('change', load);
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
              Object.assign(p, updated); renderPayouts(); load();
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
      setText('admin-uses', t.uses.toLocaleString('en-US'));
      setText('admin-creators', t.creatorsWithUsage);
      setText('admin-models', t.modelsWithUsage);
      const c = await api('/api/admin/creators?period=' + period.value + '&sort=LIFETIME_EARNINGS');
      rows('creators', c.items, i => [i.creatorId, usd(i.lifetimeEarnings, 4), usd(i.periodEarnings, 4), i.periodUses, i.models, usd(i.balance.available, 4)]);
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
      payouts.unshift(p); renderPayouts(); load(); setText('payout-message', 'payout #' + p.id + ' created');
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
      renderPayouts(); load();
      setText('payout-message', (r.dryRun ? 'dry run: ' : '') + r.items.map(i => i.creatorId + ' ' + i.outcome).join(', '));
    } catch (e) { setText('payout-message', e.message); }
  });
  period.addEventListener('change', load);
  await load();
}

signedIn(document.body.dataset.page === 'admin' ? admin : dashboard);
