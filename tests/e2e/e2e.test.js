/*
 * e2e.test.js - the widget in real Chromium (Debian's /usr/bin/chromium driven
 * by playwright-core) against the real vigie binary, with axe-core.
 *
 * Environment (tests/e2e/CMakeLists.txt sets it):
 *   VIGIE_BIN       the vigie executable
 *   VIGIE_WEB       the web/ folder it serves
 *   VIGIE_INTENTS   the bundled intents/ folder
 *   VIGIE_E2E_OUT   where screenshots go (default: ./e2e-out)
 * Every server is started with --port 0; the test waits for its
 * "listening on http://HOST:PORT" line on stderr (no sleeps). Nothing here
 * asserts on timing: every wait is for a state, bounded only by the timeout.
 *
 * Fixtures (tests/e2e/fixtures/): intents-xss/ is a catalogue whose answer
 * carries markup in its text; hostile.html/.css is a host page with
 * aggressive global CSS and a strict CSP <meta>, copied with web/* into a
 * temporary folder served by a second real vigie. Every https:// URL (the
 * Quick exit target, followed links) is answered by Playwright's request
 * routing, so no request leaves the machine.
 */
'use strict';
const test = require('node:test');
const { before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..');
const BIN = process.env.VIGIE_BIN || path.join(ROOT, 'build', 'vigie');
const WEB = process.env.VIGIE_WEB || path.join(ROOT, 'web');
const INTENTS = process.env.VIGIE_INTENTS || path.join(ROOT, 'intents');
const FIX = path.join(HERE, 'fixtures');
const OUT = process.env.VIGIE_E2E_OUT || path.join(process.cwd(), 'e2e-out');
const CHROMIUM = process.env.VIGIE_CHROMIUM || '/usr/bin/chromium';
const AXE_SRC = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const EXIT_DEFAULT = 'https://www.google.com/';
const WAIT = 15000; /* upper bound of every wait for a state */

/* ------------------------------------------------------------------ */
/* server                                                              */
/* ------------------------------------------------------------------ */

const servers = new Set();

/* Starts vigie and resolves {proc, url, port} once it prints its
 * "listening on" line. */
function startServer(intents, port = 0, web = WEB) {
  return new Promise((resolve, reject) => {
    const args = ['--port', String(port), '--web', web, '--intents', intents];
    const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    servers.add(proc);
    let err = '';
    let done = false;
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m && !done) {
        done = true;
        const url = m[1].replace(/\/$/, '');
        resolve({ proc, url, port: Number(new URL(url).port) });
      }
      if (err.length > 100000) err = err.slice(-50000);
    });
    proc.on('exit', (code, sig) => {
      servers.delete(proc);
      if (!done) {
        done = true;
        reject(new Error(`vigie exited (${code ?? sig}) before listening:\n${err}`));
      }
    });
    proc.on('error', (e) => {
      if (!done) { done = true; reject(e); }
    });
  });
}

function stopServer(s) {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve(s.proc.exitCode);
    s.proc.once('exit', (code) => resolve(code));
    s.proc.kill('SIGTERM');
  });
}

/* ------------------------------------------------------------------ */
/* browser                                                             */
/* ------------------------------------------------------------------ */

let context;
let userDataDir;
let srv;           /* the server with the bundled intents */
let site;          /* the same, serving web/ plus the fixture pages */
let siteDir;
const requests = []; /* every request the browser made: [pageUrl, url] */
const downloads = [];
const dialogs = [];

async function newPage(opts = {}) {
  const page = await context.newPage();
  if (opts.viewport) await page.setViewportSize(opts.viewport);
  page.consoleErrors = [];
  page.sent = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    /* axe-core (injected by this test, not part of the page) applies inline
     * styles, which the strict CSP rightly refuses; the hostile-page test runs
     * no axe, so the widget's own compliance is checked there */
    if (page.axeUsed && /^Applying inline style violates/.test(m.text())) return;
    page.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('download', (d) => downloads.push(d.url()));
  page.on('websocket', (ws) => {
    page.ws = ws;
    ws.on('framesent', (f) => page.sent.push(String(f.payload)));
  });
  return page;
}

/* The widget's elements live in an open shadow root: Playwright's CSS
 * locators pierce it. */
const W = (page, sel) => page.locator(`vigie-chat ${sel}`);

async function openChat(page) {
  await W(page, '.launcher').click();
  await W(page, '[role="dialog"]').waitFor({ state: 'visible' });
  await waitOnline(page);
}

async function waitOnline(page) {
  await page.waitForFunction(() => {
    const r = document.querySelector('vigie-chat');
    const s = r && r.shadowRoot && r.shadowRoot.querySelector('.status');
    return s && s.getAttribute('data-state') === 'open';
  }, null, { timeout: WAIT });
}

/* Polls a condition held in this process (frames seen by Playwright). */
async function waitUntil(cond, what) {
  const end = Date.now() + WAIT;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for: ' + what);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

function botCount(page) {
  return page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.querySelectorAll('.msg-bot').length);
}

/* Waits for a bot message after the first 'n' and returns its details. */
async function waitBot(page, n, timeout = WAIT) {
  await page.waitForFunction((k) =>
    document.querySelector('vigie-chat').shadowRoot.querySelectorAll('.msg-bot').length > k,
  n, { timeout });
  return page.evaluate(() => {
    const all = document.querySelector('vigie-chat').shadowRoot.querySelectorAll('.msg-bot');
    const m = all[all.length - 1];
    return {
      lang: m.getAttribute('lang'),
      text: Array.from(m.querySelectorAll('p')).map((p) => p.textContent).join('\n'),
      full: m.textContent,
      links: Array.from(m.querySelectorAll('a')).map((a) => ({
        href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target'),
      })),
      inert: m.querySelectorAll('.link-inert').length,
      elements: Array.from(m.querySelectorAll('*')).map((e) => e.tagName.toLowerCase()),
    };
  });
}

async function ask(page, text) {
  const n = await botCount(page);
  await W(page, 'textarea').fill(text);
  await W(page, 'textarea').press('Enter');
  return waitBot(page, n);
}

function announcerText(page) {
  return page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.querySelector('.announcer').textContent);
}

async function axeCheck(page, label) {
  /* page.evaluate is not subject to the page's CSP, so this works on pages
   * served with script-src 'self' */
  page.axeUsed = true;
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(AXE_SRC);
  const res = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'],
  }), AXE_TAGS);
  const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.help}\n    ` +
    x.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary}`).join('\n    '));
  assert.deepEqual(v, [], `axe violations (${label}):\n${v.join('\n')}`);
}

async function noStorage(page, label) {
  const st = await context.storageState();
  assert.deepEqual(st.cookies, [], `${label}: cookies`);
  assert.deepEqual(st.origins, [], `${label}: storage origins`);
  if (!/^https?:/.test(page.url()) || !page.url().startsWith(srv.url)) return;
  const inPage = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
    idb: (await indexedDB.databases()).length,
    caches: self.caches ? (await caches.keys()).length : 0,
  }));
  assert.deepEqual(inPage, { cookie: '', local: 0, session: 0, idb: 0, caches: 0 },
                   `${label}: in-page storage`);
}

before(async () => {
  assert.ok(fs.existsSync(BIN), `vigie binary not found: ${BIN}`);
  assert.ok(fs.existsSync(CHROMIUM), `chromium not found: ${CHROMIUM}`);
  fs.mkdirSync(OUT, { recursive: true });
  srv = await startServer(INTENTS);
  /* fixture pages must come from the real server (a page fulfilled by
   * request routing has no address space, and Chromium's local network
   * access checks then refuse its WebSocket to 127.0.0.1) */
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-e2e-site-'));
  for (const f of fs.readdirSync(WEB)) {
    if (fs.statSync(path.join(WEB, f)).isFile()) fs.copyFileSync(path.join(WEB, f), path.join(siteDir, f));
  }
  for (const f of ['hostile.html', 'hostile.css', 'neutral.html']) {
    fs.copyFileSync(path.join(FIX, f), path.join(siteDir, f));
  }
  site = await startServer(INTENTS, 0, siteDir);
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    /* keep Chromium's back/forward cache on (Playwright turns it off by
     * default): the widget's pagehide/pageshow guard is part of the test */
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.on('request', (r) => requests.push(r.url()));
  /* nothing leaves the machine: the neutral exit site and followed links are
   * answered here */
  await context.route(/^https:\/\//, (route) => route.fulfill({
    status: 200, contentType: 'text/html; charset=utf-8',
    body: '<!DOCTYPE html><html lang="en"><title>Neutral</title><p>neutral page</p></html>',
  }));
});

after(async () => {
  if (context) await context.close().catch(() => {});
  for (const p of servers) p.kill('SIGTERM');
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/* ------------------------------------------------------------------ */
/* tests                                                               */
/* ------------------------------------------------------------------ */

/* every test is bounded, so a lost browser event fails instead of hanging */
const T = (name, fn) => test(name, { timeout: 90000 }, fn);

T('French conversation: French answer, lang on messages, announcer, suggestion chip, axe', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  /* closed state: a named launcher, nothing else */
  const launcher = W(page, '.launcher');
  assert.equal(await launcher.textContent(), 'Clavarder avec Vigie');
  /* on a wide screen the panel is a non-modal dialog */
  assert.equal(await W(page, '[role="dialog"]').getAttribute('aria-modal'), null);
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await axeCheck(page, 'fr, closed');
  await openChat(page);
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  /* focus goes to the input on open */
  assert.equal(await page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.activeElement.tagName), 'TEXTAREA');
  /* structure */
  assert.equal(await W(page, '[role="log"]').count(), 1);
  assert.equal(await W(page, '[aria-live="polite"]').count(), 1, 'one polite announcer');
  assert.equal(await W(page, '[role="dialog"]').getAttribute('aria-labelledby'), 'vigie-title');
  /* honest first message, both languages, each with its lang */
  const notice = await page.evaluate(() => Array.from(
    document.querySelector('vigie-chat').shadowRoot.querySelectorAll('.msg-bot'))
    .map((m) => [m.getAttribute('lang'), m.textContent]));
  assert.deepEqual(notice.map((n) => n[0]), ['fr', 'en']);
  assert.match(notice[0][1], /automatis/);
  assert.match(notice[0][1], /n\u2019efface pas votre historique/);
  assert.match(notice[1][1], /does not erase your browsing history/);
  /* 911 and the hotline as tel: links, before any server answer */
  assert.equal(await W(page, '.safety a[href="tel:911"]').count(), 1);
  assert.equal(await W(page, '.safety a[href="tel:+1-833-900-1010"]').count(), 1);

  const r = await ask(page, 'Quel est le numéro de la ligne d\u2019urgence pour la traite ?');
  assert.equal(r.lang, 'fr', `French answer expected: ${r.text}`);
  assert.ok(r.text.length > 0);
  /* the user's message also carries a lang */
  const userLangs = await page.evaluate(() => Array.from(
    document.querySelector('vigie-chat').shadowRoot.querySelectorAll('.msg-user'))
    .map((m) => m.getAttribute('lang')));
  assert.deepEqual(userLangs, ['fr']);
  /* the announcer says it once, with the prefix */
  const said = await announcerText(page);
  assert.ok(said.startsWith('Vigie a dit\u00a0: '), said);
  assert.ok(said.includes(r.text.split('\n')[0]), said);

  /* suggestion chips are buttons; pressing one asks for that intent */
  const chips = W(page, '.chips button');
  assert.ok(await chips.count() > 0, 'a reply with suggestions');
  assert.equal(await W(page, '.chips').getAttribute('role'), 'group');
  const label = await chips.first().textContent();
  const intent = await chips.first().getAttribute('data-intent');
  const n = await botCount(page);
  await chips.first().click();
  const r2 = await waitBot(page, n);
  assert.equal(r2.lang, 'fr');
  await waitUntil(() => page.sent.some((f) => JSON.parse(f).type === 'suggestion' &&
                                             JSON.parse(f).intent === intent),
                  'suggestion frame sent');
  const lastUser = await W(page, '.msg-user').last().textContent();
  assert.ok(lastUser.endsWith(label), 'the chosen chip is kept as the visitor\'s message');
  /* focus is back in the input after a chip */
  assert.equal(await page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.activeElement.tagName), 'TEXTAREA');
  /* every (re)connect starts with hello in the page language */
  assert.deepEqual(JSON.parse(page.sent[0]), { type: 'hello', lang: 'fr' });

  await W(page, '[role="dialog"]').screenshot({ path: path.join(OUT, 'conversation-fr.png') });
  await axeCheck(page, 'fr, open, with suggestions');
  await noStorage(page, 'after a French conversation');
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

T('English: toggle "English"/"Français", English answer, axe, Escape closes', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  await openChat(page);
  const toggle = W(page, '.toggle');
  assert.equal(await toggle.textContent(), 'English');
  assert.equal(await toggle.getAttribute('lang'), 'en');
  await toggle.click();
  assert.equal(await toggle.textContent(), 'Fran\u00e7ais');
  assert.equal(await toggle.getAttribute('lang'), 'fr');
  assert.equal(await W(page, '.root').getAttribute('lang'), 'en');
  assert.equal(await W(page, '.send').textContent(), 'Send');
  assert.equal(await W(page, '.exit').textContent(), 'Quick exit');
  assert.equal(await announcerText(page), 'Interface language: English');
  /* the server was told */
  await waitUntil(() => page.sent.includes(JSON.stringify({ type: 'hello', lang: 'en' })),
                  'hello en sent on toggle');

  const r = await ask(page, 'What is human trafficking?');
  assert.equal(r.lang, 'en', `English answer expected: ${r.text}`);
  assert.ok((await announcerText(page)).startsWith('Vigie said: '));
  /* the transcript keeps the earlier messages across the toggle */
  assert.ok(await W(page, '.msg-bot').count() >= 3);
  await W(page, '[role="dialog"]').screenshot({ path: path.join(OUT, 'conversation-en.png') });
  await axeCheck(page, 'en, open');

  /* a French question after the toggle is still answered in French */
  const r2 = await ask(page, 'Comment signaler un cas de traite des personnes ?');
  assert.equal(r2.lang, 'fr', `French answer expected: ${r2.text}`);

  /* Escape closes the panel (it never exits) and focus returns to the launcher */
  await W(page, 'textarea').press('Escape');
  await W(page, '[role="dialog"]').waitFor({ state: 'hidden' });
  assert.equal(new URL(page.url()).origin, srv.url);
  assert.equal(await page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.activeElement.className), 'launcher');
  await axeCheck(page, 'en, closed');
  assert.equal(await W(page, '.msg-system').count(), 0, 'no protocol error shown');
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

T('keyboard only: Tab to the launcher, Enter, type, Enter, chip by keyboard, focus visible', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  const active = () => page.evaluate(() => {
    let e = document.activeElement;
    while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
    const cs = getComputedStyle(e);
    return { tag: e.tagName.toLowerCase(), cls: e.className || '', text: (e.textContent || '').trim(),
             outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
  });
  /* Tab through the page until the launcher has focus */
  let a;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    a = await active();
    if (a.cls === 'launcher') break;
  }
  assert.equal(a.cls, 'launcher', 'the launcher is reachable with Tab');
  assert.equal(a.outline, 'solid', 'focus is visible on the launcher');
  assert.ok(a.width >= 2);
  await page.keyboard.press('Enter');
  await W(page, '[role="dialog"]').waitFor({ state: 'visible' });
  assert.equal((await active()).tag, 'textarea', 'focus moves to the input on open');
  await waitOnline(page);
  const n = await botCount(page);
  await page.keyboard.type('Comment signaler un cas de traite ?');
  await page.keyboard.press('Enter');
  const r = await waitBot(page, n);
  assert.equal(r.lang, 'fr');
  /* focus did not move when the answer came */
  assert.equal((await active()).tag, 'textarea');
  /* Shift+Tab from the input reaches the last suggestion chip */
  await W(page, '.chips button').first().waitFor();
  await page.keyboard.press('Shift+Tab');
  a = await active();
  assert.equal(a.cls, 'chip');
  assert.equal(a.outline, 'solid', 'focus is visible on a chip');
  const m = await botCount(page);
  await page.keyboard.press('Enter');
  const r2 = await waitBot(page, m);
  assert.equal(r2.lang, 'fr');
  assert.equal((await active()).tag, 'textarea', 'focus back in the input after a chip');
  /* the header controls come first in the panel, Quick exit first of all */
  const order = await page.evaluate(() => Array.from(document.querySelector('vigie-chat')
    .shadowRoot.querySelectorAll('.panel a, .panel button, .panel textarea, .panel [tabindex]'))
    .map((e) => e.className || e.tagName.toLowerCase()));
  assert.equal(order[0], 'exit');
  assert.equal(await W(page, '.msg-system').count(), 0, 'no protocol error shown');
  await page.close();
});

T('the demo page\'s own buttons drive the widget through window.vigie', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  await page.getByRole('button', { name: 'Open the chat in English' }).click();
  await W(page, '[role="dialog"]').waitFor({ state: 'visible' });
  assert.equal(await W(page, '.root').getAttribute('lang'), 'en');
  assert.equal(await W(page, '.launcher').getAttribute('aria-expanded'), 'true');
  await page.evaluate(() => window.vigie.close());
  await W(page, '[role="dialog"]').waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Ouvrir le clavardage en fran\u00e7ais' }).click();
  await W(page, '[role="dialog"]').waitFor({ state: 'visible' });
  assert.equal(await W(page, '.root').getAttribute('lang'), 'fr');
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

T('emergency reply pins a bilingual 911 banner above the input', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  await openChat(page);
  assert.equal(await W(page, '.emergency').isVisible(), false);
  const r = await ask(page, 'je suis en danger, il me menace, aidez-moi vite');
  assert.equal(r.lang, 'fr');
  const banner = W(page, '.emergency');
  await banner.waitFor({ state: 'visible' });
  assert.equal(await banner.locator('p[lang="fr"] a[href="tel:911"]').count(), 1);
  assert.equal(await banner.locator('p[lang="en"] a[href="tel:911"]').count(), 1);
  /* pinned between the transcript and the input, so it does not scroll away */
  const order = await page.evaluate(() => {
    const p = document.querySelector('vigie-chat').shadowRoot.querySelector('.panel');
    return Array.from(p.children).map((c) => c.className);
  });
  assert.ok(order.indexOf('emergency') > order.indexOf('log'));
  assert.equal(order.indexOf('emergency') + 1, order.indexOf('composer'));
  const b = await banner.boundingBox();
  const i = await W(page, 'textarea').boundingBox();
  assert.ok(b.y + b.height <= i.y, 'banner above the input');
  /* stays after the next, ordinary answer */
  await ask(page, 'merci');
  assert.equal(await banner.isVisible(), true);
  await axeCheck(page, 'fr, emergency banner');
  await page.close();
});

T('320 px wide: no horizontal scroll, exit and input reachable, targets >= 24 px', async () => {
  const page = await newPage({ viewport: { width: 320, height: 640 } });
  await page.goto(srv.url + '/');
  const noHScroll = () => page.evaluate(() => {
    const d = document.documentElement;
    const p = document.querySelector('vigie-chat').shadowRoot.querySelector('.panel');
    return { page: d.scrollWidth <= d.clientWidth, panel: p.hidden || p.scrollWidth <= p.clientWidth };
  });
  assert.deepEqual(await noHScroll(), { page: true, panel: true });
  await openChat(page);
  await ask(page, 'Quel est le numéro de la ligne d\u2019urgence ?');
  assert.deepEqual(await noHScroll(), { page: true, panel: true });
  for (const sel of ['.exit', 'textarea', '.send', '.toggle', '.close']) {
    const box = await W(page, sel).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 320, `${sel} inside 320 px`);
  }
  /* every control of the widget is at least 24 x 24 CSS px */
  const small = await page.evaluate(() => {
    const root = document.querySelector('vigie-chat').shadowRoot;
    return Array.from(root.querySelectorAll('button, a, textarea'))
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => [e.className || e.tagName, e.getBoundingClientRect()])
      .filter(([, r]) => r.width < 24 || r.height < 24)
      .map(([n, r]) => `${n} ${r.width}x${r.height}`);
  });
  assert.deepEqual(small, []);
  await page.screenshot({ path: path.join(OUT, 'narrow-320-fr.png') });
  /* full screen, so modal: Tab from the last control comes back to the first
   * (Quick exit) instead of landing on the hidden page */
  assert.equal(await W(page, '[role="dialog"]').getAttribute('aria-modal'), 'true');
  await W(page, '.send').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.activeElement.className), 'exit');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() =>
    document.querySelector('vigie-chat').shadowRoot.activeElement.className), 'send');
  await axeCheck(page, 'fr, 320 px');
  /* 320 x 256 (400 % zoom of 1280 x 1024): still no horizontal scroll, the
   * exit and the input can be reached */
  await page.setViewportSize({ width: 320, height: 256 });
  assert.deepEqual(await noHScroll(), { page: true, panel: true });
  await W(page, '.exit').scrollIntoViewIfNeeded();
  assert.ok(await W(page, '.exit').isVisible());
  await W(page, 'textarea').scrollIntoViewIfNeeded();
  const box = await W(page, 'textarea').boundingBox();
  assert.ok(box.y >= 0 && box.y < 256, 'input reachable at 320x256');
  await page.close();
});

T('Quick exit button: the page is replaced, Back does not show the chat', async () => {
  const page = await newPage();
  await page.goto('about:blank');
  await page.goto(srv.url + '/');
  await openChat(page);
  await ask(page, 'Quel est le numéro de la ligne d\u2019urgence ?');
  /* the exit is a real link to the neutral site, so it works without JS too */
  assert.equal(await W(page, '.exit').getAttribute('href'), EXIT_DEFAULT);
  await Promise.all([page.waitForURL(EXIT_DEFAULT, { timeout: WAIT }), W(page, '.exit').click()]);
  assert.equal(page.url(), EXIT_DEFAULT);
  await page.goBack();
  assert.equal(page.url(), 'about:blank', 'the chat page was replaced in history');
  assert.equal(await page.locator('vigie-chat').count(), 0);
  await page.goForward();
  assert.equal(page.url(), EXIT_DEFAULT);
  await noStorage(page, 'after quick exit');
  await page.close();
});

T('Quick exit by Shift x3 (Shift+letter does not count); Escape only closes', async () => {
  const page = await newPage();
  await page.goto('about:blank');
  await page.goto(srv.url + '/');
  await openChat(page);
  await ask(page, 'What is human trafficking?');
  const lights = () => page.evaluate(() => document.querySelector('vigie-chat').shadowRoot
    .querySelectorAll('.light.on').length);
  await page.keyboard.press('Shift');
  await page.keyboard.press('Shift');
  assert.equal(await lights(), 2);
  assert.match(await announcerText(page), /1 fois pour quitter/);
  await page.keyboard.press('Shift+A'); /* typing a capital letter resets */
  assert.equal(await lights(), 0);
  await page.keyboard.press('Escape');
  await W(page, '[role="dialog"]').waitFor({ state: 'hidden' });
  assert.equal(new URL(page.url()).origin, srv.url, 'Escape does not exit');
  await W(page, '.launcher').click();
  await Promise.all([
    page.waitForURL(EXIT_DEFAULT, { timeout: WAIT }),
    (async () => {
      await page.keyboard.press('Shift');
      await page.keyboard.press('Shift');
      await page.keyboard.press('Shift');
    })(),
  ]);
  await page.goBack();
  assert.equal(page.url(), 'about:blank');
  assert.equal(await page.locator('vigie-chat').count(), 0);
  await noStorage(page, 'after Shift x3');
  await page.close();
});

T('exit wipes the DOM and memory and closes the socket before the page is left', async () => {
  /* The transcript must already be gone and the blank cover shown when the
   * page is left. (Playwright starts Chromium with the back/forward cache
   * disabled, so the pageshow guard itself is not exercised here.) */
  const page = await newPage();
  /* count the page's WebSockets (an init script runs before the page's own
   * scripts and is not subject to its CSP) */
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const all = [];
    window.vigieE2eSockets = all;
    window.WebSocket = class extends Native {
      constructor(...args) { super(...args); all.push(this); }
    };
  });
  await page.goto('about:blank');
  await page.goto(site.url + '/hostile.html');
  await W(page, '.launcher').click();
  await waitOnline(page);
  await ask(page, 'What is human trafficking?');
  await W(page, 'textarea').fill('a draft that must vanish');
  /* exit() wipes synchronously, then location.replace() navigates: the
   * snapshot taken in the same task sees the state the page is left in */
  const [snap] = await Promise.all([
    page.evaluate(() => {
      window.vigie.exit();
      const r = document.querySelector('vigie-chat').shadowRoot;
      return {
        msgs: r.querySelectorAll('.msg').length,
        input: r.querySelector('textarea').value,
        blank: !r.querySelector('.blank').hidden,
        panel: r.querySelector('.panel').hidden,
        log: r.querySelector('[role="log"]').textContent,
        /* CLOSING (2) or CLOSED (3): none left open or connecting */
        open: window.vigieE2eSockets.filter((w) => w.readyState < 2).length,
        sockets: window.vigieE2eSockets.length > 0,
      };
    }),
    page.waitForURL(/neutral\.html$/, { timeout: WAIT }),
  ]);
  assert.deepEqual(snap, { msgs: 0, input: '', blank: true, panel: true, log: '', open: 0,
                          sockets: true });
  await page.goBack();
  assert.equal(page.url(), 'about:blank', 'the widget page is not in history');
  await page.close();
});

T('back/forward cache: Back to an earlier chat page shows no old transcript', async (t) => {
  const page = await newPage();
  await page.goto('about:blank');
  await page.goto(site.url + '/index.html');
  await openChat(page);
  await ask(page, 'Quel est le numéro de la ligne d\u2019urgence ?');
  assert.ok(await W(page, '.msg-user').count() === 1);
  await page.evaluate(() => { window.vigieE2eMarker = 1; });
  await page.goto(site.url + '/neutral.html');
  /* a page restored from the cache fires no load event: wait for the commit */
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForFunction(() => {
    const h = document.querySelector('vigie-chat');
    return h && h.shadowRoot && h.shadowRoot.querySelectorAll('.msg-bot').length >= 2;
  }, null, { timeout: WAIT });
  const restored = await page.evaluate(() => window.vigieE2eMarker === 1);
  t.diagnostic(restored ? 'page restored from the back/forward cache'
                        : 'page reloaded (not kept in the back/forward cache)');
  assert.equal(await W(page, '.msg-user').count(), 0, 'no visitor message after Back');
  assert.deepEqual(await page.evaluate(() => Array.from(document.querySelector('vigie-chat')
    .shadowRoot.querySelectorAll('.msg-bot')).map((m) => m.getAttribute('lang'))), ['fr', 'en'],
  'only the notice');
  await page.close();
});

T('hostile host page under strict CSP: renders, works, no CSP violation, API object', async () => {
  const page = await newPage();
  await page.goto(site.url + '/hostile.html');
  const launcher = W(page, '.launcher');
  await launcher.waitFor({ state: 'visible' });
  assert.equal(await W(page, '.root').getAttribute('lang'), 'en', 'lang set with no <html lang>');
  const box = await launcher.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box.width >= 24 && box.height >= 24 && box.x + box.width <= vp.width &&
            box.y + box.height <= vp.height, 'launcher visible in the viewport');
  /* the launcher is on top of the page's z-index war */
  const top = await page.evaluate(([x, y]) => {
    const e = document.elementFromPoint(x, y);
    return e && e.tagName.toLowerCase();
  }, [box.x + box.width / 2, box.y + box.height / 2]);
  assert.equal(top, 'vigie-chat');
  /* API */
  assert.deepEqual(await page.evaluate(() => Object.keys(window.vigie).sort()),
                   ['close', 'destroy', 'exit', 'open', 'setLanguage']);
  await page.evaluate(() => { window.vigie.setLanguage('fr'); window.vigie.open(); });
  await W(page, '[role="dialog"]').waitFor({ state: 'visible' });
  assert.equal(await W(page, '.send').textContent(), 'Envoyer');
  await waitOnline(page);
  const r = await ask(page, 'Quelle est la définition de la traite des personnes ?');
  assert.equal(r.lang, 'fr');
  const font = await page.evaluate(() => getComputedStyle(
    document.querySelector('vigie-chat').shadowRoot.querySelector('.send')).minHeight);
  assert.equal(font, '44px', 'widget CSS applied despite the hostile page');
  await page.evaluate(() => window.vigie.close());
  await W(page, '[role="dialog"]').waitFor({ state: 'hidden' });
  const csp = page.consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e));
  assert.deepEqual(csp, []);
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

T('markup in a server answer and a javascript: link are rendered inert', async () => {
  /* A catalogue whose answer text carries <img onerror> and <svg onload>,
   * served by the real server. The intent loader refuses links that are not
   * https/tel/mailto, so the javascript:/data: links are injected as one
   * server frame through the widget's own path (WebSocket -> parseFrame ->
   * render) by proxying the real socket with page.routeWebSocket. */
  const fx = await startServer(path.join(FIX, 'intents-xss'));
  try {
    const page = await newPage();
    const INJECT = 'inject-a-javascript-link';
    await page.routeWebSocket(/\/chat$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (String(m).includes(INJECT)) {
          ws.send(JSON.stringify({
            type: 'reply', intent: 'xss.test', lang: 'en',
            text: 'Injected <img src=x onerror="window.__xss=3"> text',
            links: [
              { label: 'click me', url: 'javascript:window.__xss=4' },
              { label: '<b>data</b>', url: 'data:text/html,<script>window.__xss=5</script>' },
              { label: 'fine', url: 'https://www.example.org/ok' },
            ],
            suggestions: [{ intent: 'xss.test', label: '<img src=x onerror="window.__xss=6">' }],
          }));
        } else {
          server.send(m);
        }
      });
      server.onMessage((m) => ws.send(m));
    });
    await page.goto(fx.url + '/');
    await openChat(page);
    const r = await ask(page, 'show me the xss test answer');
    assert.match(r.text, /<img src=x onerror=/, 'markup shown as text');
    assert.deepEqual(r.elements.filter((t) => !['span', 'p', 'br', 'ul', 'li', 'a'].includes(t)), []);

    /* follow the (https) link of that answer: a new tab, no opener, no referrer */
    assert.ok(r.links.length >= 1, 'the fixture answer has a link');
    assert.equal(r.links[0].rel, 'noopener noreferrer');
    assert.equal(r.links[0].target, '_blank');
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      W(page, '.msg-bot').last().locator('a').first().click(),
    ]);
    await popup.waitForLoadState();
    assert.equal(popup.url(), r.links[0].href);
    assert.deepEqual(await popup.evaluate(() => [window.opener, document.referrer]), [null, '']);
    await popup.close();

    const r2 = await ask(page, INJECT);
    assert.equal(r2.inert, 2, 'two unsafe links rendered as text');
    assert.deepEqual(r2.links.map((l) => l.href), ['https://www.example.org/ok']);
    assert.ok(r2.full.includes('<b>data</b>'));
    await W(page, '.link-inert').first().click();
    await W(page, '.chips button').first().waitFor({ state: 'visible' });
    assert.equal(await W(page, '.chips button').first().textContent(),
                 '<img src=x onerror="window.__xss=6">');
    assert.equal(await page.evaluate(() => document.querySelector('vigie-chat').shadowRoot
      .querySelectorAll('img, svg, script, iframe, object, embed').length), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(new URL(page.url()).origin, fx.url);
    assert.deepEqual(dialogs, []);
    await page.close();
  } finally {
    await stopServer(fx);
  }
});

T('reconnect after the server restarts: status announced, message kept, language resumed', async () => {
  const own = await startServer(INTENTS);
  let again;
  try {
    const page = await newPage();
    await page.goto(own.url + '/');
    await openChat(page);
    await W(page, '.toggle').click(); /* English */
    assert.equal(await stopServer(own), 0, 'vigie exits 0 on SIGTERM');
    await page.waitForFunction(() => document.querySelector('vigie-chat').shadowRoot
      .querySelector('.status').getAttribute('data-state') === 'offline', null, { timeout: WAIT });
    assert.match(await announcerText(page), /^Offline/);
    /* 911 and the hotline stay usable while offline */
    assert.ok(await W(page, '.safety a[href="tel:911"]').isVisible());
    assert.ok(await W(page, '.safety a[href="tel:+1-833-900-1010"]').isVisible());
    /* a message typed while offline is kept and marked */
    const n = await botCount(page);
    await W(page, 'textarea').fill('What is human trafficking?');
    await W(page, 'textarea').press('Enter');
    await W(page, '.msg-user.pending').waitFor();
    const sentBefore = page.sent.length;
    again = await startServer(INTENTS, own.port);
    /* While the server was down and loading its catalogue, the widget's
     * back-off kept growing (full jitter, capped at 30 s): its next try may
     * come that late on a busy machine. */
    const r = await waitBot(page, n, 30000 + WAIT);
    assert.equal(r.lang, 'en');
    assert.equal(await W(page, '.msg-user.pending').count(), 0);
    await waitUntil(() => page.sent.length >= sentBefore + 2, 'hello and message sent');
    const after = page.sent.slice(sentBefore).map((f) => JSON.parse(f));
    assert.deepEqual(after[0], { type: 'hello', lang: 'en' }, 'the language is resumed');
    assert.equal(after.filter((f) => f.type === 'message').length, 1, 'sent once');
    assert.match(await announcerText(page), /^Vigie said: /);
    await page.close();
  } finally {
    await stopServer(own);
    if (again) await stopServer(again);
  }
});

T('zero traces: no cookie, no storage, no download, no request to another host', async () => {
  const page = await newPage();
  await page.goto(srv.url + '/');
  await noStorage(page, 'end of run');
  await page.close();
  assert.deepEqual(downloads, []);
  /* only our servers, the routed neutral exit site and the followed link */
  const allowed = (u) => u.startsWith('http://127.0.0.1:') || u.startsWith('ws://127.0.0.1:') ||
    u.startsWith('http://localhost:') || u === EXIT_DEFAULT ||
    u.startsWith('https://www.example.org/') || u === 'about:blank';
  const foreign = requests.filter((u) => !allowed(u));
  assert.deepEqual(foreign, []);
});
