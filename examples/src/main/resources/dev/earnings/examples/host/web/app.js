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
        (d.modelIds || d.models.map(m => m.modelId)).forEach(id => { const o = document.createElement('option'); o.value = id; o.textContent = id; model.appendChild(o); });
      }
      drawTrend(d.trend);
      rows('models', d.models, m => [m.modelId, m.uses, usd(m.earnings, 4), m.tier, m.multiplier + 'x', m.usesToNextTier < 0 ? 'top tier' : m.usesToNextTier]);
      rows('activity', d.recentActivity, a => [a.at.slice(0, 16).replace('T', ' '), a.modelId, a.usageType, a.tokens,
        usd(a.earnings, 6), a.isReversed ? (a.reversed === a.earnings ? 'reversed ' : 'partly reversed ') + usd(a.reversed, 6) : '',
        a.user], a => a.isReversed ? 'reversed' : '');
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
