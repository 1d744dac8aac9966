// webui.js URL OUTDIR — drives the web UI in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): fills the start form, watches
// the request count rise and the charts draw, checks that names from the
// scenario are shown as text, stops the test, downloads the CSV and compares
// it with /stats/requests.  Screenshots go to OUTDIR.  Exit 0 or 1.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, out] = process.argv.slice(2);
const origin = new URL(url).origin;
const problems = [];
const shot = (page, name) => page.screenshot({ path: path.join(out, name + '.png'), fullPage: true });
const aggregatedCount = (page) => page.evaluate(() => {
  const rows = document.querySelectorAll('#stats-table tbody tr.total td');
  return rows.length ? Number(rows[2].textContent.replace(/,/g, '')) : -1;
});

function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function main() {
  const profile = fs.mkdtempSync(path.join(out, 'profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    timeout: 30000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  // (the bad form below is answered 400 on purpose; the browser logs that)
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push('console error: ' + m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push('fetched from elsewhere: ' + r.url());
  });

  // 1. the page, ready: the start form has the focus
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#s-state').textContent === 'READY');
  if (!(await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-users'))) {
    problems.push('the start form does not have the focus');
  }
  await shot(page, '1-ready');

  // 2. a bad form: the error is shown, nothing starts
  await page.fill('#f-users', '-4');
  await page.fill('#f-rate', '10');
  await page.press('#f-rate', 'Enter');
  await page.waitForSelector('#form-error:not([hidden])');
  const err = await page.textContent('#form-error');
  if (!/Invalid user_count/.test(err)) problems.push('form error: ' + err);
  await shot(page, '2-form-error');

  // 3. start from the keyboard; the request count rises in the table
  await page.fill('#f-users', '6');
  await page.fill('#f-rate', '60');
  await page.fill('#f-runtime', '');
  await page.focus('#f-users');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#s-state').textContent === 'RUNNING');
  await page.waitForFunction(() => {
    const r = document.querySelectorAll('#stats-table tbody tr.total td');
    return r.length && Number(r[2].textContent.replace(/,/g, '')) > 0;
  });
  const n1 = await aggregatedCount(page);
  await page.waitForFunction((n) => {
    const r = document.querySelectorAll('#stats-table tbody tr.total td');
    return Number(r[2].textContent.replace(/,/g, '')) > n;
  }, n1, { timeout: 10000 });
  // names from the scenario are text, not markup
  const names = await page.evaluate(() => Array.from(document.querySelectorAll('#stats-table tbody td.name')).map((td) => td.textContent));
  if (!names.includes('<b>bold</b> & "quoted"')) problems.push('the tricky name is not shown as text: ' + JSON.stringify(names));
  if (await page.$('#stats-table b')) problems.push('a name from the scenario became markup');
  await shot(page, '3-statistics');

  // 4. the charts (tabs by keyboard: arrow right from Statistics)
  await page.focus('#tab-stats');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => {
    const p = document.querySelector('#chart-rps path.line');
    return p && (p.getAttribute('d').match(/L/g) || []).length >= 2;
  }, null, { timeout: 10000 });
  await shot(page, '4-charts');

  // 5. failures, ratio, thresholds
  await page.click('#tab-failures');
  await page.waitForFunction(() => /HTTP 404/.test(document.querySelector('#failures-table tbody').textContent));
  await shot(page, '5-failures');
  await page.click('#tab-ratio');
  await page.waitForFunction(() => document.querySelectorAll('#ratio-total li').length > 0);
  await shot(page, '6-ratio');
  await page.click('#tab-thresholds');
  await page.waitForFunction(() => /pass|FAIL|no data/.test(document.querySelector('#thresholds-table tbody').textContent));
  await shot(page, '7-thresholds');

  // 6. edit the running test: fewer users
  await page.click('#btn-edit');
  await page.fill('#f-users', '3');
  await page.click('#btn-start');
  await page.waitForFunction(() => document.querySelector('#s-users').textContent === '3', null, { timeout: 10000 });

  // 7. stop, then the CSV download equals /stats/requests
  await page.click('#btn-stop');
  await page.waitForFunction(() => document.querySelector('#s-state').textContent === 'STOPPED');
  await page.click('#tab-stats');
  await shot(page, '8-stopped');
  await page.click('#tab-download');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl-requests')]);
  const csvPath = path.join(out, 'requests.csv');
  await download.saveAs(csvPath);
  const csv = parseCsv(fs.readFileSync(csvPath, 'utf8'));
  const json = await (await page.request.get(url + 'stats/requests')).json();
  if (csv[0][1] !== 'Name' || csv[0][2] !== 'Request Count') problems.push('CSV header: ' + csv[0].join(','));
  const rows = csv.slice(1).filter((r) => r.length > 3);
  if (rows.length !== json.stats.length) problems.push(`CSV has ${rows.length} rows, /stats/requests ${json.stats.length}`);
  json.stats.forEach((s, i) => {
    const r = rows[i] || [];
    if (r[0] !== s.method || r[1] !== s.name || Number(r[2]) !== s.num_requests || Number(r[3]) !== s.num_failures) {
      problems.push(`row ${i}: CSV ${r.slice(0, 4).join('|')} vs JSON ${s.method}|${s.name}|${s.num_requests}|${s.num_failures}`);
    }
  });
  await shot(page, '9-download');
  await context.close();
}

main().then(() => {
  problems.forEach((p) => console.error('webui.js: ' + p));
  process.exit(problems.length ? 1 : 0);
}, (e) => {
  problems.forEach((p) => console.error('webui.js: ' + p));
  console.error('webui.js: ' + (e && e.stack || e));
  process.exit(1);
});
