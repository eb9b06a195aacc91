// Browser tests of the web UI: starts its own hub (HUB_BINARY) on a scratch data dir and a
// free port, drives Debian's Chromium with playwright-core, and writes a screenshot of every
// page at desktop and phone width to E2E_OUTPUT.
//
//   HUB_BINARY   the ersilia-hub binary (required)
//   WEB_DIST     the built UI (web/dist); playwright-core is taken from web/node_modules
//   E2E_OUTPUT   screenshot folder (default: ./e2e-screenshots)
//   SHARED_DATA  ../shared/data (molecules_50k.csv)
//   CHROMIUM     the browser (default /usr/bin/chromium)
//   E2E_ONLY     run only the tests whose name contains this text
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '../..');
const hubBinary = process.env.HUB_BINARY;
const webDist = resolve(process.env.WEB_DIST ?? join(source, 'web/dist'));
const output = resolve(process.env.E2E_OUTPUT ?? 'e2e-screenshots');
const sharedData = resolve(process.env.SHARED_DATA ?? join(source, '../shared/data'));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

if (!hubBinary || !existsSync(hubBinary)) {
  console.error('HUB_BINARY must name the ersilia-hub binary');
  process.exit(1);
}
if (!existsSync(join(webDist, 'index.html'))) {
  console.error(`no built UI at ${webDist}: run (cd web && npm run build)`);
  process.exit(1);
}
if (!existsSync(chromium)) {
  // A missing prerequisite is a failure, never a skip.
  console.error(`no browser at ${chromium}; install Debian's chromium (scripts/setup.sh)`);
  process.exit(1);
}
// playwright-core and axe-core come from the source tree's web/node_modules, wherever WEB_DIST is.
const require = createRequire(join(source, 'web', 'package.json'));
const { chromium: browserType } = require('playwright-core');

const ADMIN = { username: 'root', password: 'root-password-123', email: 'root@example.org' };
const MODEL = 'eos3b5e'; // molecular weight: fast, built in
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// ---------------------------------------------------------------- the hub

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function startHub() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-e2e-'));
  const settings = {
    data_dir: dataDir,
    web_dir: webDist,
    'auth.initial_admin.username': ADMIN.username,
    'auth.initial_admin.email': ADMIN.email,
    'auth.initial_admin.password': ADMIN.password,
    'auth.password.ops_limit': '1',
    'auth.password.mem_limit': '8MiB',
    'auth.rate_limit.login': '1000/1m',
    'auth.rate_limit.signup': '1000/1m',
    'auth.rate_limit.anonymous_login': '1000/1m',
    'auth.rate_limit.forgot_password': '1000/1m',
    'models.public_catalog': 'true',
    'runtime.metrics_interval': '1s',
    'runtime.recommendations_interval': '2s',
    'log.level': 'warn',
  };
  const args = ['serve', '--port', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('--set', `${k}=${v}`);
  const child = spawn(hubBinary, args, { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the hub exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return {
    base, dataDir, log: () => log,
    stop: async () => {
      // A clean stop finishes running chunks; the tests do not need to wait for that.
      const exited = new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// The hub's API from Node, with a session or a Bearer token.
function client(base) {
  const call = async (method, path, { token, body, expect } = {}) => {
    const headers = {};
    if (token) headers.Authorization = token.startsWith('Ersilia') ? token : `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (expect !== undefined) assert.equal(r.status, expect, `${method} ${path}: ${r.status} ${text}`);
    else assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    call,
    login: async (username, password) => {
      const encoding = Buffer.from(`${username}:${password}`).toString('base64');
      return call('POST', '/api/auth/login', { body: { encoding, auth_type: 'ErsiliaUser' } });
    },
  };
}

// ---------------------------------------------------------------- browser helpers

let browser;
const consoleErrors = [];
const shots = [];

async function newPage(hub) {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: hub.base, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

// WCAG 2 A/AA checks of axe-core on what the page shows now; serious and critical findings
// fail the test.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const a11yProblems = [];
async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    (await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`));
  for (const r of result) a11yProblems.push(`${name}: ${r}`);
}

// At phone width nothing may make the page itself scroll sideways: wide tables scroll inside
// their own box or turn into cards. Names the first elements that stick out.
const layoutProblems = [];
async function checkNoSideScroll(page, name) {
  const overflow = await page.evaluate(() => {
    const width = document.scrollingElement.scrollWidth;
    if (width <= innerWidth) return null;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).trim().split(/\s+/).join('.')}` : ''}`);
    return `${width} px wide in a ${innerWidth} px window (${wide.join(', ')})`;
  });
  if (overflow) layoutProblems.push(`${name}: scrolls sideways at phone width: ${overflow}`);
}

// Desktop and phone screenshots of what the page shows now.
async function shoot(page, name) {
  mkdirSync(output, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => {});
  await checkAccessibility(page, name);
  const modal = (await page.locator('dialog[open]').count()) > 0;
  // Toasts come and go; they would only cover what the screenshot is for.
  await page.evaluate(() => document.querySelectorAll('.toasts').forEach((t) => (t.style.display = 'none')));
  for (const [suffix, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    // From the top: a page scrolled by the test would draw the sticky header mid-picture.
    await page.evaluate(() => window.scrollTo(0, 0));
    await sleep(150);
    if (size === PHONE) await checkNoSideScroll(page, name);
    const file = join(output, `${name}-${suffix}.png`);
    await page.screenshot({ path: file, fullPage: !modal });
    shots.push(file);
  }
  await page.evaluate(() => document.querySelectorAll('.toasts').forEach((t) => (t.style.display = '')));
  await page.setViewportSize(DESKTOP);
}

async function signInUi(page, username, password) {
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/requests');
}

async function waitForStatus(page, status, timeout = 60_000) {
  await page.locator(`.status-card .pill-${status.toLowerCase()}`).waitFor({ timeout });
}

async function confirmDialog(page, name) {
  const dialog = page.locator('dialog[open]');
  await dialog.getByRole('button', { name }).click();
  await dialog.waitFor({ state: 'detached' }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
}

// ---------------------------------------------------------------- the tests

const state = {};

async function publicPages(hub) {
  const { context, page } = await newPage(hub);
  await page.goto('/');
  await page.locator('.model-card').first().waitFor();
  assert.ok((await page.locator('.model-card').count()) >= 5, 'the public catalogue lists the built-in models');
  await page.locator('.model-card', { hasText: 'eos4wt0' }).getByText('2,048 output columns').waitFor();
  await shoot(page, 'catalogue');

  await page.getByLabel('Search models').fill('weight');
  await page.getByRole('link', { name: 'Molecular weight', exact: true }).click();
  await page.waitForURL(`**/models/${MODEL}`);
  await page.getByText('How to read the output').waitFor();
  await page.getByText('https://www.rdkit.org/docs/RDKit_Book.html').waitFor();
  // The output columns, from the models API: name, type, direction, meaning.
  const columns = page.locator('table.output-columns tbody tr');
  assert.equal(await columns.count(), 1);
  assert.deepEqual(await columns.first().locator('td').allTextContents(),
    ['mol_weight', 'float', 'high', 'The calculated molecular weight of the molecule in g/mol']);
  await page.getByText('1 output column (float)').waitFor();
  await shoot(page, 'model-details');

  // A fingerprint: the first columns, then all 2,048 on request.
  await page.goto('/models/eos4wt0');
  await columns.first().waitFor();
  assert.equal(await columns.count(), 12);
  await shoot(page, 'model-details-columns');
  await page.getByRole('button', { name: 'Show all 2,048 columns' }).click();
  await page.locator('table.output-columns tbody tr').nth(2047).getByText('dim_2047').waitFor();

  for (const [path, name, text] of [
    ['/signin', 'signin', 'With a personal key'],
    ['/signup', 'signup', 'Create an account'],
    ['/forgot-password', 'forgot-password', 'Send the reset link'],
    ['/reset-password?token=abc', 'reset-password', 'Set the password'],
    ['/no-such-page', 'not-found', 'Page not found'],
  ]) {
    await page.goto(path);
    await page.getByText(text).first().waitFor();
    await shoot(page, name);
  }

  // Forgotten password: the same answer whether or not the account exists.
  await page.goto('/forgot-password');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByRole('button', { name: 'Send the reset link' }).click();
  await page.getByText('Check your email').waitFor();
  await shoot(page, 'forgot-password-sent');

  // Signing up insists on an email.
  await page.goto('/signup');
  await page.getByLabel('Username').fill('noemail');
  await page.getByLabel('Password', { exact: true }).fill('long enough password');
  await page.getByLabel('Repeat the password').fill('long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('An email address is required').waitFor();
  await context.close();
}

async function anonymousUpload(hub) {
  const fixture = join(hub.dataDir, 'molecules_100.csv');
  const lines = readFileSync(join(sharedData, 'molecules_50k.csv'), 'utf8').split(/\r?\n/).slice(0, 101);
  writeFileSync(fixture, lines.join('\n') + '\n');
  const molecules = lines.slice(1);

  const { context, page } = await newPage(hub);
  await page.goto('/start');
  const key = (await page.getByTestId('personal-key').textContent()).trim();
  assert.match(key, /^[0-9a-f-]{36}$/);
  await page.getByText('Keep it.').waitFor();
  await shoot(page, 'start');
  await page.getByRole('button', { name: /I have kept my key/ }).click();
  await page.getByRole('link', { name: 'Submit molecules' }).first().waitFor();
  await shoot(page, 'start-done');
  state.key = key;

  await page.goto(`/submit?model=${MODEL}`);
  await page.getByRole('tab', { name: 'Upload a file' }).click();
  await page.setInputFiles('input[type=file]', fixture);
  await page.getByTestId('preview-summary').getByText('100 rows').waitFor();
  assert.match(await page.getByTestId('preview-summary').textContent(), /first line is read as a header/);
  await shoot(page, 'submit-file');
  const events = [];
  page.on('response', (r) => {
    if (/\/api\/work-requests\/\d+\/events$/.test(r.url())) events.push(r.status());
  });
  const first = page.waitForResponse((r) => /\/api\/work-requests\/\d+$/.test(r.url()));
  await page.getByRole('button', { name: 'Submit 100 rows' }).click();
  await page.waitForURL(/\/requests\/\d+$/);
  const initial = (await (await first).json()).request_status;
  const id = Number(page.url().split('/').pop());
  state.anonymousRequest = id;

  // Live progress: the status card follows the events until the request completes.
  await page.getByRole('progressbar', { name: 'Progress' }).waitFor();
  await waitForStatus(page, 'COMPLETED');
  await page.getByTestId('progress-text').getByText('100 %').waitFor();
  if (initial !== 'COMPLETED') assert.deepEqual(events.slice(0, 1), [200], 'progress followed over the event stream');
  console.log(`     (request ${id} was ${initial} when its page opened; ${events.length} event streams)`);
  const table = page.getByTestId('results-table');
  await table.locator('tbody tr').first().waitFor();
  assert.equal(await table.locator('tbody tr').count(), 25, 'a page of 25 rows');
  assert.equal((await table.locator('tbody tr').first().locator('td').nth(1).textContent()).trim(), molecules[0]);
  await page.getByText('Rows 1–25 of 100').waitFor();
  await shoot(page, 'request-completed');
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.getByText('Rows 26–50 of 100').waitFor();
  assert.equal((await table.locator('tbody tr').first().locator('td').nth(1).textContent()).trim(), molecules[25]);

  // The CSV download: a header and one row per molecule, in input order.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(download.suggestedFilename(), `ersiliahub_${MODEL}_${id}.csv`);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
  assert.equal(csv.length, 101, 'header + 100 rows');
  const header = csv[0].split(',');
  const input = header.indexOf('input');
  assert.ok(input >= 0, `an input column in ${csv[0]}`);
  const weight = header.findIndex((h) => /mol|weight|mw/i.test(h) && h !== 'input');
  csv.slice(1).forEach((line, i) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
    assert.equal(cells[input], molecules[i], `row ${i + 1} is molecule ${i + 1}`);
    if (weight >= 0) assert.ok(Number(cells[weight]) > 0, `row ${i + 1} has a molecular weight`);
  });
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
  assert.equal(json.suggestedFilename(), `ersiliahub_${MODEL}_${id}.json`);

  await page.goto('/requests');
  await page.locator(`tr[data-request-id="${id}"] .pill-completed`).waitFor();
  await shoot(page, 'my-requests');
  await context.close();
}

async function sameKeyElsewhere(hub) {
  assert.ok(state.key, 'needs the anonymous test');
  const { context, page } = await newPage(hub);
  await page.goto('/signin');
  await page.getByLabel('Personal key').fill(state.key.toUpperCase());
  await page.getByLabel('Personal key').press('Enter'); // keyboard only
  await page.waitForURL('**/requests');
  await page.locator(`tr[data-request-id="${state.anonymousRequest}"]`).waitFor();
  assert.equal(await page.locator('tbody tr').count(), 1, 'the key sees its own request only');
  await page.goto('/account');
  await page.getByText(state.key).waitFor();
  await shoot(page, 'account-key');
  await context.close();
}

async function signupAndCache(hub) {
  const api = client(hub.base);
  const admin = await api.login(ADMIN.username, ADMIN.password);
  const model = await api.call('GET', `/api/models/${MODEL}`, { token: admin.session.session_token });
  await api.call('PUT', `/api/models/${MODEL}`, {
    token: admin.session.session_token,
    body: { id: MODEL, enabled: true, details: { ...model.details, cache_enabled: true }, last_updated: model.last_updated },
  });

  const { context, page } = await newPage(hub);
  await page.goto('/signup');
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('First name').fill('Alice');
  await page.getByLabel('Last name').fill('Liddell');
  await page.getByLabel('Email').fill('alice@example.org');
  await page.getByLabel('Password', { exact: true }).fill('through the looking glass');
  await page.getByLabel('Repeat the password').fill('through the looking glass');
  await shoot(page, 'signup-filled');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/submit');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();

  await signInUi(page, 'alice', 'through the looking glass');
  await page.getByText('No requests yet.').waitFor();
  await shoot(page, 'my-requests-empty');

  const smiles = ['CCO', 'CCN', 'CCC', 'c1ccccc1', 'CC(=O)O', 'not a smiles'];
  const submit = async (shot) => {
    await page.goto(`/submit?model=${MODEL}`);
    await page.getByLabel(/SMILES, one per line/).fill(['smiles', ...smiles].join('\n'));
    await page.getByLabel('The first line is a header').check();
    await page.getByText('1 will be rejected').waitFor();
    await page.getByLabel('Contribute these results to the shared cache').check();
    if (shot) await shoot(page, shot);
    await page.getByRole('button', { name: 'Submit 6 rows' }).click();
    await page.waitForURL(/\/requests\/\d+$/);
    await waitForStatus(page, 'COMPLETED');
  };
  await submit('submit-paste');
  await page.getByText('Rows the hub could not read').or(page.locator('td.bad')).first().waitFor();
  await shoot(page, 'request-rejected-rows');
  await submit();
  const cached = page.locator('.dl div', { hasText: 'From the cache' }).locator('dd');
  await page.waitForFunction((el) => Number(el.textContent) > 0, await cached.elementHandle(), { timeout: 10_000 });
  assert.equal(Number(await cached.textContent()), 5, 'the second run comes from the cache');
  await shoot(page, 'request-cached');
  state.alice = await page.evaluate(() => JSON.parse(localStorage.getItem('ersilia-hub.login')));
  await context.close();
}

// A completed request to look at, for tests run on their own (E2E_ONLY).
async function ensureRequest(hub) {
  const api = client(hub.base);
  const admin = await api.login(ADMIN.username, ADMIN.password);
  const token = admin.session.session_token;
  if ((await api.call('GET', '/api/work-requests?limit=1', { token })).items.length) return;
  const created = await api.call('POST', '/api/work-requests', {
    token, body: { model_id: MODEL, request_payload: { entries: ['CCO', 'CCN'], has_header: false } },
  });
  for (let i = 0; i < 100; i++) {
    const r = await api.call('GET', `/api/work-requests/${created.id}`, { token });
    if (r.request_status === 'COMPLETED') return;
    await sleep(200);
  }
  throw new Error(`request ${created.id} did not complete`);
}

async function asAdmin(hub, body) {
  const { context, page } = await newPage(hub);
  await signInUi(page, ADMIN.username, ADMIN.password);
  for (const label of ['All requests', 'Instances', 'Manage models', 'Users', 'Statistics']) {
    await page.getByRole('link', { name: label, exact: true }).waitFor();
  }
  await body(page);
  await context.close();
}

// All requests: filter by model and status.
const adminRequests = async (hub) => { await ensureRequest(hub); await asAdmin(hub, async (page) => {
  await page.goto('/admin/requests');
  await page.locator('tr[data-request-id]').first().waitFor();
  await page.getByLabel('Status').selectOption('COMPLETED');
  await page.getByLabel('Model').selectOption(MODEL);
  await page.locator('tr[data-request-id] .pill-completed').first().waitFor();
  await shoot(page, 'admin-requests');
  await page.getByLabel('Status').selectOption('CANCELLED');
  await page.getByText('No request matches these filters.').waitFor();
}); };

// Instances: start one, read its logs, stop it (confirmed).
const adminInstances = (hub) => asAdmin(hub, async (page) => {
  await page.goto('/admin/instances');
  await page.getByLabel('Start an instance of').selectOption(MODEL);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('.instance').first().waitFor({ timeout: 30_000 });
  await sleep(2500); // a few samples for the CPU and memory lines
  await shoot(page, 'admin-instances');
  await page.locator('.instance').first().getByRole('button', { name: 'Logs' }).click();
  await page.locator('dialog[open]').waitFor();
  await shoot(page, 'admin-instance-logs');
  await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();
  await page.locator('.instance').first().getByRole('button', { name: 'Stop' }).click();
  await shoot(page, 'admin-instance-stop-confirm');
  await confirmDialog(page, 'Stop the instance');
  await page.getByText('Instance termination requested.').waitFor();
});

// Models: disable and re-enable, edit and save, clear the cache, apply recommendations, create.
const adminModels = (hub) => asAdmin(hub, async (page) => {
  await page.goto('/admin/models');
  const row = page.locator(`tr[data-model-id="${MODEL}"]`);
  await row.waitFor();
  await shoot(page, 'admin-models');
  await row.getByLabel(`${MODEL} enabled`).uncheck();
  await page.getByText(`${MODEL} disabled.`).waitFor();
  await row.getByLabel(`${MODEL} enabled`).check();
  await page.getByText(`${MODEL} enabled.`).waitFor();
  await row.getByRole('button', { name: `Edit ${MODEL}` }).click();
  await page.locator('dialog[open]').getByLabel('Interpretation').fill('Molecular weight in g/mol (edited)');
  await shoot(page, 'admin-model-edit');
  await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Model ${MODEL} saved.`).waitFor();
  await row.getByRole('button', { name: `Clear the cache of ${MODEL}` }).click();
  await confirmDialog(page, 'Clear the cache');
  await page.getByText(/cached results of eos3b5e deleted/).waitFor();
  await page.getByRole('heading', { name: 'Resource recommendations' }).waitFor();
  const apply = page.getByRole('button', { name: 'Apply', exact: true });
  await page.getByRole('button', { name: 'Apply', exact: true }).or(page.getByText('not measured yet')).first().waitFor();
  console.log(`     (${await apply.count()} models with recommendations to apply)`);
  if (await apply.count()) {
    await apply.first().click();
    await confirmDialog(page, 'Apply');
    await page.getByText(/Recommendations applied/).waitFor();
  }
  await importDetails(hub, page);

  await page.getByRole('button', { name: 'New model' }).click();
  await page.locator('dialog[open]').getByLabel('Model id').fill('eos-ui-test');
  await page.locator('dialog[open]').getByLabel('Description').fill('A model created from the browser test');
  await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
  await page.getByText('Model eos-ui-test saved.').or(page.locator('dialog[open] .notice-error')).first().waitFor();
  await shoot(page, 'admin-model-new');
  if (await page.locator('dialog[open]').count()) await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
});

// An Ersilia catalogue record (catalog.json) as the import reads it.
function catalogRecord(id, title) {
  return {
    Identifier: id, Slug: `${id}-slug`, Title: title, Description: `${title}: imported from a catalogue`,
    Interpretation: `How to read ${title}`, Publication: `https://example.org/papers/${id}`,
    GitHub: `https://github.com/ersilia-os/${id}`, 'Target Organism': ['Not Applicable'], 'Biomedical Area': ['Any'],
  };
}

// Serves `body` as JSON on a free port until the returned `close` is called.
async function serveJson(body) {
  const server = createHttpServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/catalog.json`, close: () => new Promise((ok) => server.close(ok)) };
}

// Import details: from an uploaded catalogue file (one model updated, a missing one
// registered), then from a URL; the imported details show on the model.
async function importDetails(hub, page) {
  const file = join(hub.dataDir, 'catalog.json');
  writeFileSync(file, JSON.stringify([catalogRecord('eos8ioa', 'Natural product likeness (catalogue)'), catalogRecord('eos0imp', 'Imported only')]));
  await page.getByRole('button', { name: 'Import details' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByLabel('Catalogue file', { exact: true }).setInputFiles(file);
  await dialog.getByLabel('Only these models').fill('eos8ioa, eos0imp');
  await dialog.getByLabel(/Register listed models that are missing/).check();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const results = dialog.getByTestId('import-results');
  await results.locator('tr', { hasText: 'eos8ioa' }).getByText('Details updated').waitFor();
  await results.locator('tr', { hasText: 'eos0imp' }).getByText('Registered (disabled)').waitFor();
  await shoot(page, 'admin-models-import');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.locator('tr[data-model-id="eos8ioa"]').getByText('Natural product likeness (catalogue)').waitFor();
  assert.equal(await page.locator('tr[data-model-id="eos0imp"]').getByLabel('eos0imp enabled').isChecked(), false);

  const served = await serveJson([catalogRecord('eos9ei3', 'Synthetic accessibility (from a URL)')]);
  try {
    await page.getByRole('button', { name: 'Import details' }).click();
    await dialog.getByLabel('A URL the hub fetches').check();
    await dialog.getByLabel('Catalogue URL', { exact: true }).fill(served.url);
    await dialog.getByLabel('Only these models').fill('eos9ei3');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByTestId('import-results').getByText('Details updated').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
  } finally {
    await served.close();
  }
  await page.locator('tr[data-model-id="eos9ei3"]').getByText('Synthetic accessibility (from a URL)').waitFor();

  await page.goto('/models/eos8ioa');
  await page.getByRole('heading', { name: 'Natural product likeness (catalogue)', level: 1 }).waitFor();
  await page.getByText('How to read Natural product likeness (catalogue)').waitFor();
  await page.getByRole('link', { name: 'https://example.org/papers/eos8ioa' }).waitFor();
  await page.goto('/admin/models');
  await page.locator(`tr[data-model-id="${MODEL}"]`).waitFor();
}

// Users: search, permissions, new password, clear data, delete (confirmed).
const adminUsers = (hub) => asAdmin(hub, async (page) => {
  const api = client(hub.base);
  await api.call('POST', '/api/auth/signup', { body: { user: { username: 'bob', first_name: 'Bob', last_name: 'B', email: 'bob@example.org' }, password: 'bob password 123' } });
  await page.goto('/admin/users');
  await page.locator('tr[data-username="root"]').waitFor();
  await shoot(page, 'admin-users');
  await page.getByLabel('Search').fill('bo');
  // bob's row is there before the filter applies: wait for root's to go, not for bob's.
  await page.locator('tr[data-username="root"]').waitFor({ state: 'detached' });
  await page.locator('tr[data-username="bob"]').waitFor();
  const bob = page.locator('tr[data-username="bob"]');
  // Dialogs take the focus and close with Escape.
  await bob.getByRole('button', { name: 'Permissions of bob' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  assert.ok(await page.evaluate(() => !!document.activeElement?.closest('dialog[open]')), 'focus is in the dialog');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  await bob.getByRole('button', { name: 'Permissions of bob' }).click();
  await page.locator('dialog[open]').getByLabel(/MANAGE_WORK_REQUESTS/).check();
  await shoot(page, 'admin-user-permissions');
  await page.locator('dialog[open]').getByRole('button', { name: 'Save permissions' }).click();
  await page.getByText('Permissions of bob updated.').waitFor();
  await bob.getByRole('button', { name: 'New password for bob' }).click();
  await page.locator('dialog[open]').getByLabel('New password').fill('a brand new password');
  await page.locator('dialog[open]').getByRole('button', { name: 'Set password' }).click();
  await page.getByText(/New password set for bob/).waitFor();
  await api.login('bob', 'a brand new password');
  await bob.getByRole('button', { name: 'Clear the data of bob' }).click();
  await confirmDialog(page, 'Clear data');
  await page.getByText(/requests of bob deleted/).waitFor();
  await bob.getByRole('button', { name: 'Delete bob' }).click();
  await shoot(page, 'admin-user-delete-confirm');
  await confirmDialog(page, 'Delete the user');
  await page.getByText('bob deleted.', { exact: true }).waitFor();
  await page.getByText('No user matches.').waitFor();
});

// Statistics: charts of what the other tests ran; change the period; export.
const adminStats = async (hub) => { await ensureRequest(hub); await asAdmin(hub, async (page) => {
  await page.goto('/admin/stats');
  await page.getByText('Requests per day').waitFor();
  await page.getByText('Processing time by input size').waitFor();
  await shoot(page, 'admin-stats');
  await page.getByLabel('Period').selectOption('7');
  await page.getByText('Requests per day').waitFor();
  const [stats] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.match(readFileSync(await stats.path(), 'utf8'), new RegExp(`^model_id,.*\\n${MODEL},`, 's'));

  await page.goto('/account');
  await page.getByText('Change password').first().waitFor();
  await shoot(page, 'account');
}); };

async function permissionsEnforced(hub) {
  await client(hub.base).call('POST', '/api/auth/signup', { body: { user: { username: 'carol', first_name: 'Carol', last_name: 'C', email: 'carol@example.org' }, password: 'carol password 123' } });
  const { context, page } = await newPage(hub);
  await signInUi(page, 'carol', 'carol password 123');
  for (const label of ['All requests', 'Instances', 'Manage models', 'Users', 'Statistics']) {
    assert.equal(await page.getByRole('link', { name: label, exact: true }).count(), 0, `no ${label} link`);
  }
  for (const path of ['/admin/requests', '/admin/instances', '/admin/models', '/admin/users', '/admin/stats']) {
    await page.goto(path);
    await page.getByText('which your identity does not have').waitFor();
  }
  await shoot(page, 'forbidden');

  const login = await page.evaluate(() => JSON.parse(localStorage.getItem('ersilia-hub.login')));
  const header = `${login.session.auth_type} ${Buffer.from(JSON.stringify(login.session)).toString('base64')}`;
  const api = client(hub.base);
  for (const [method, path, body] of [
    ['GET', '/api/users'],
    ['GET', '/api/instances'],
    ['GET', '/api/recommendations'],
    ['GET', '/api/work-request-stats'],
    ['POST', '/api/models', { id: 'eosnope', details: { description: 'no' } }],
    ['PUT', `/api/users/${login.user.id}/permissions`, { permissions: ['ADMIN'] }],
  ]) {
    await api.call(method, path, { token: header, body, expect: 403 });
  }
  await context.close();
}

// Each operator page needs its own permission: an account holding only that one sees its pages
// and gets their API, and sees none of the other pages and gets 403 from their API.
const OPERATOR_AREAS = [
  { permission: 'MANAGE_WORK_REQUESTS', links: ['All requests', 'Statistics'], paths: ['/admin/requests', '/admin/stats'], api: [['GET', '/api/work-request-stats']] },
  { permission: 'K8S_ADMIN', links: ['Instances'], paths: ['/admin/instances'], api: [['GET', '/api/instances'], ['GET', '/api/recommendations']] },
  { permission: 'MANAGE_MODELS', links: ['Manage models'], paths: ['/admin/models'], api: [['POST', '/api/models/import', { catalog: [], model_ids: [MODEL] }], ['DELETE', `/api/models/${MODEL}/cache`]] },
  { permission: 'MANAGE_USERS', links: ['Users'], paths: ['/admin/users'], api: [['GET', '/api/users']] },
];

async function onePermissionEach(hub) {
  const api = client(hub.base);
  const admin = await api.login(ADMIN.username, ADMIN.password);
  for (const area of OPERATOR_AREAS) {
    const username = `only-${area.permission.toLowerCase().replace(/_/g, '-')}`;
    const password = `${username} password`;
    const created = await api.call('POST', '/api/auth/signup', { body: { user: { username, first_name: 'Op', last_name: 'Erator', email: `${username}@example.org` }, password } });
    const listed = await api.call('GET', `/api/users?username=${username}`, { token: admin.session.session_token });
    const defaults = listed.items[0].permissions;
    await api.call('PUT', `/api/users/${created.id}/permissions`, { token: admin.session.session_token, body: { permissions: [...new Set([...defaults, area.permission])] } });

    const { context, page } = await newPage(hub);
    await signInUi(page, username, password);
    const login = await page.evaluate(() => JSON.parse(localStorage.getItem('ersilia-hub.login')));
    const header = `${login.session.auth_type} ${Buffer.from(JSON.stringify(login.session)).toString('base64')}`;
    for (const other of OPERATOR_AREAS) {
      const mine = other === area;
      for (const label of other.links) {
        assert.equal(await page.getByRole('link', { name: label, exact: true }).count(), mine ? 1 : 0, `${username}: ${label} link`);
      }
      for (const path of other.paths) {
        await page.goto(path);
        await page.locator('#page-title').waitFor();
        assert.equal(await page.getByText('which your identity does not have').count(), mine ? 0 : 1, `${username} on ${path}`);
      }
      for (const [method, path, body] of other.api) {
        const r = await fetch(hub.base + path, { method, headers: { Authorization: header, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
        if (mine) assert.notEqual(r.status, 403, `${username}: ${method} ${path}`);
        else assert.equal(r.status, 403, `${username}: ${method} ${path}`);
      }
    }
    await context.close();
  }
}

// Cancel from the list: a request big enough to still be running when the button is pressed.
async function cancelRunning(hub) {
  const { context, page } = await newPage(hub);
  await page.goto('/start');
  await page.getByRole('button', { name: /I have kept my key/ }).click();
  await page.getByRole('link', { name: 'Submit molecules' }).first().waitFor();
  const login = await page.evaluate(() => JSON.parse(localStorage.getItem('ersilia-hub.login')));
  const header = `${login.session.auth_type} ${Buffer.from(JSON.stringify(login.session)).toString('base64')}`;
  const entries = readFileSync(join(sharedData, 'molecules_50k.csv'), 'utf8').split(/\r?\n/).slice(1, 5001);
  const created = await client(hub.base).call('POST', '/api/work-requests', {
    token: header, body: { model_id: 'eos8a4x', request_payload: { entries, has_header: false } },
  });
  await page.goto('/requests');
  const row = page.locator(`tr[data-request-id="${created.id}"]`);
  await row.getByRole('button', { name: `Cancel request ${created.id}` }).click();
  await confirmDialog(page, 'Cancel the request');
  await row.locator('.pill-cancelled').waitFor();
  await shoot(page, 'my-requests-cancelled');
  await page.goto(`/requests/${created.id}`);
  await waitForStatus(page, 'CANCELLED');
  await context.close();
}

async function phoneNavigation(hub) {
  const { context, page } = await newPage(hub);
  await page.setViewportSize(PHONE);
  await page.goto('/');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'Start without an account' }).click();
  await page.getByTestId('personal-key').waitFor();
  await page.keyboard.press('Tab');
  await checkNoSideScroll(page, 'phone-menu');
  await page.screenshot({ path: join(output, 'phone-menu-phone.png') });
  await context.close();
}

const TESTS = [
  ['public pages', publicPages],
  ['anonymous upload, progress, results, download', anonymousUpload],
  ['the same key in a fresh browser', sameKeyElsewhere],
  ['signup, login, cached submission', signupAndCache],
  ['operator: all requests', adminRequests],
  ['operator: instances', adminInstances],
  ['operator: models', adminModels],
  ['operator: users', adminUsers],
  ['operator: statistics', adminStats],
  ['permissions hide pages and the API answers 403', permissionsEnforced],
  ['permissions: each operator page needs its own', onePermissionEach],
  ['phone navigation', phoneNavigation],
  // Last: the hub keeps running a cancelled request's leased chunks for a while.
  ['cancel a running request', cancelRunning],
];

async function main() {
  rmSync(output, { recursive: true, force: true });
  mkdirSync(output, { recursive: true });
  const hub = await startHub();
  browser = await browserType.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const failures = [];
  const started = Date.now();
  try {
    for (const [name, test] of TESTS) {
      if (process.env.E2E_ONLY && !name.includes(process.env.E2E_ONLY)) continue;
      const t0 = Date.now();
      const before = consoleErrors.length;
      const problems = a11yProblems.length;
      const layout = layoutProblems.length;
      try {
        await test(hub);
        assert.deepEqual(consoleErrors.slice(before), [], 'no console errors');
        assert.deepEqual(a11yProblems.slice(problems), [], 'no serious accessibility findings');
        assert.deepEqual(layoutProblems.slice(layout), [], 'no sideways scrolling at phone width');
        console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failures.push(name);
        console.log(`FAIL ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n     ${String(e.stack ?? e).split('\n').slice(0, 6).join('\n     ')}`);
        if (consoleErrors.length > before) console.log(`     console: ${consoleErrors.slice(before).join('\n     ')}`);
      }
    }
  } finally {
    await browser.close();
    await hub.stop();
  }
  console.log(`${shots.length} screenshots in ${output}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (failures.length) {
    console.log(`${failures.length} failed: ${failures.join('; ')}\nhub log (last lines):\n${hub.log().split('\n').slice(-30).join('\n')}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
