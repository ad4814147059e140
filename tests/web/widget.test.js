/*
 * widget.test.js - node --test unit tests of web/vigie.js's pure functions:
 * rendering into DOM nodes (text only), link safety, back-off with jitter,
 * ws:// vs wss:// choice, frame validation, the Shift x3 detector.
 * Usage: node --test tests/web/   (VIGIE_WEB overrides the web/ folder)
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Document } = require('./fakedom.js');

const webDir = process.env.VIGIE_WEB || path.join(__dirname, '..', '..', 'web');
const v = require(path.join(webDir, 'vigie.js'));
const S = v.STRINGS;

test('exports the pure functions and never boots under node', () => {
  for (const f of ['wsUrl', 'backoff', 'safeUrl', 'exitUrl', 'parseFrame', 'renderMessage',
                   'renderLink', 'renderSuggestions', 'shiftStep', 'appendText']) {
    assert.equal(typeof v[f], 'function', f);
  }
  assert.equal(typeof globalThis.vigie, 'undefined');
});

test('wsUrl: wss for https pages, ws for http, same host and port, /chat', () => {
  assert.equal(v.wsUrl('https://example.org/w/vigie.js', 'https://host.test/page'),
               'wss://example.org/chat');
  assert.equal(v.wsUrl('http://127.0.0.1:8080/vigie.js', 'http://127.0.0.1:8080/'),
               'ws://127.0.0.1:8080/chat');
  assert.equal(v.wsUrl('https://a.test:8443/vigie.js?x=1', 'https://a.test:8443/'),
               'wss://a.test:8443/chat');
  /* relative src resolves against the page */
  assert.equal(v.wsUrl('/vigie.js', 'https://site.test/dir/page.html'), 'wss://site.test/chat');
  assert.equal(v.wsUrl('vigie.js', 'http://[::1]:9000/'), 'ws://[::1]:9000/chat');
  /* not a web origin */
  assert.equal(v.wsUrl('file:///tmp/vigie.js', 'file:///tmp/x.html'), null);
  assert.equal(v.wsUrl('::::', undefined), null);
});

test('backoff: full jitter between a floor and an exponential, capped ceiling', () => {
  const opts = { base: 500, cap: 30000, floor: 250 };
  assert.equal(v.backoff(0, () => 0, opts), 250);
  assert.equal(v.backoff(0, () => 0.999999, opts), 499);
  assert.equal(v.backoff(3, () => 0.999999, opts), 3999);
  assert.equal(v.backoff(1, () => 0.5, opts), 250 + Math.floor(0.5 * 750));
  /* capped */
  assert.equal(v.backoff(20, () => 0.999999, opts), 29999);
  assert.equal(v.backoff(1e9, () => 0.999999, opts), 29999);
  /* ceiling grows with the attempt */
  const ceil = (a) => v.backoff(a, () => 0.999999, opts);
  for (let a = 0; a < 6; a++) assert.ok(ceil(a + 1) > ceil(a), 'attempt ' + a);
  /* jitter: different random draws give different delays, all within bounds */
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    const d = v.backoff(4, Math.random, opts);
    assert.ok(d >= 250 && d < 8000, String(d));
    seen.add(d);
  }
  assert.ok(seen.size > 50, 'delays are spread, got ' + seen.size);
  /* bad inputs stay in range */
  for (const bad of [-1, NaN, 'x', undefined]) {
    const d = v.backoff(bad, () => 0.5, opts);
    assert.ok(d >= 250 && d <= 500, String(d));
  }
  assert.equal(v.backoff(2, () => NaN, opts), 250);
  assert.equal(v.backoff(2, () => 7, opts), 250);
  /* defaults */
  assert.ok(v.backoff(0, () => 0) >= 250);
  assert.ok(v.backoff(50, () => 0.999999) <= 30000);
});

test('safeUrl: only https, tel and mailto survive', () => {
  assert.equal(v.safeUrl('https://www.canadianhumantraffickinghotline.ca/'),
               'https://www.canadianhumantraffickinghotline.ca/');
  assert.equal(v.safeUrl('tel:911'), 'tel:911');
  assert.equal(v.safeUrl('tel:+1-833-900-1010'), 'tel:+1-833-900-1010');
  assert.equal(v.safeUrl('mailto:hotline@ccteht.ca'), 'mailto:hotline@ccteht.ca');
  const bad = [
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)',
    'java\tscript:alert(1)', 'java\nscript:alert(1)', '\u0001javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)',
    'http://example.org/', 'ftp://example.org/', 'file:///etc/passwd',
    '//evil.test/x', '/relative', 'relative', '', null, undefined, 42, {},
    'https://user:pw@evil.test/', 'https://evil.test/\u202e', 'https://a b.test/',
    'tel:911;javascript:1', 'tel:<script>', 'mailto:a@b.c"><img src=x>',
    'https://' + 'a'.repeat(3000) + '.test/',
  ];
  for (const u of bad) assert.equal(v.safeUrl(u), null, JSON.stringify(u));
});

test('exitUrl: https or same-origin, anything else falls back to the default', () => {
  assert.equal(v.exitUrl(undefined, 'http://h.test/'), v.DEFAULT_EXIT_URL);
  assert.ok(v.DEFAULT_EXIT_URL.startsWith('https://'));
  assert.equal(v.exitUrl('https://weather.gc.ca/', 'http://h.test/'), 'https://weather.gc.ca/');
  assert.equal(v.exitUrl('/neutral.html', 'http://h.test/page'), 'http://h.test/neutral.html');
  assert.equal(v.exitUrl('javascript:alert(1)', 'http://h.test/'), v.DEFAULT_EXIT_URL);
  assert.equal(v.exitUrl('http://other.test/', 'http://h.test/'), v.DEFAULT_EXIT_URL);
  assert.equal(v.exitUrl('data:text/html,x', 'http://h.test/'), v.DEFAULT_EXIT_URL);
  assert.equal(v.exitUrl('   ', 'http://h.test/'), v.DEFAULT_EXIT_URL);
});

test('parseFrame: keeps known fields, caps sizes, refuses junk', () => {
  assert.equal(v.parseFrame('not json'), null);
  assert.equal(v.parseFrame('[]'), null);
  assert.equal(v.parseFrame('{"type":"reply"}'), null);
  assert.equal(v.parseFrame('{"type":"other","text":"x"}'), null);
  assert.equal(v.parseFrame(42), null);
  const r = v.parseFrame(JSON.stringify({
    type: 'reply', intent: 'hotline', lang: 'fr', text: 'x'.repeat(10000), extra: 1,
    links: [{ label: 'ok', url: 'https://a.test/' }, { label: '' }, null, 'x',
            ...Array(20).fill({ label: 'l', url: 'https://b.test/' })],
    suggestions: [{ intent: 'report', label: 'Signaler' }, { intent: 'BAD ID', label: 'x' },
                  { intent: 'report' }, ...Array(20).fill({ intent: 'a', label: 'b' })],
  }));
  assert.equal(r.type, 'reply');
  assert.equal(r.lang, 'fr');
  assert.equal(r.intent, 'hotline');
  assert.ok(r.text.length <= 4000);
  assert.equal(r.extra, undefined);
  assert.ok(r.links.length <= 8);
  assert.deepEqual(r.links[0], { label: 'ok', url: 'https://a.test/' });
  assert.ok(r.suggestions.length <= 8);
  assert.deepEqual(r.suggestions[0], { intent: 'report', label: 'Signaler' });
  assert.ok(r.suggestions.every((s) => /^[a-z0-9._-]+$/.test(s.intent)));
  assert.equal(v.parseFrame('{"type":"reply","text":"t","lang":"de"}').lang, null);
  assert.deepEqual(v.parseFrame('{"type":"error","code":"too_long","text":"Trop long"}'),
                   { type: 'error', code: 'too_long', text: 'Trop long' });
});

const HOSTILE = '<img src=x onerror="alert(1)">"><svg onload=alert(2)><script>alert(3)</script>';

test('renderMessage: server text becomes text nodes only, with lang and a sender prefix', () => {
  const doc = new Document();
  const el = v.renderMessage(doc, { who: 'bot', lang: 'en', text: HOSTILE + '\nline 2' }, S.en);
  assert.equal(el.getAttribute('lang'), 'en');
  assert.equal(el.tagName, 'DIV');
  const tags = el.all().map((e) => e.tagName);
  assert.deepEqual(tags, ['DIV', 'SPAN', 'P', 'BR']);
  assert.ok(el.textContent.startsWith(S.en.botSaid));
  assert.ok(el.textContent.includes(HOSTILE));
  assert.ok(el.textContent.endsWith('line 2'));
  for (const e of el.all()) {
    for (const k of e.attributes.keys()) assert.ok(!/^on|^src$|^style$/.test(k), k);
  }
  const u = v.renderMessage(doc, { who: 'user', lang: 'fr', text: 'bonjour' }, S.fr);
  assert.equal(u.getAttribute('lang'), 'fr');
  assert.ok(u.textContent.startsWith(S.fr.youSaid));
  /* unknown language falls back to fr, never missing */
  const x = v.renderMessage(doc, { who: 'bot', lang: 'xx', text: 't' }, S.fr);
  assert.equal(x.getAttribute('lang'), 'fr');
});

test('renderMessage: unsafe links are inert text, safe ones get rel and no referrer', () => {
  const doc = new Document();
  const el = v.renderMessage(doc, {
    who: 'bot', lang: 'en', text: 'links',
    links: [
      { label: 'Hotline', url: 'https://www.canadianhumantraffickinghotline.ca/' },
      { label: 'Call', url: 'tel:+1-833-900-1010' },
      { label: 'Mail', url: 'mailto:hotline@ccteht.ca' },
      { label: 'evil', url: 'javascript:alert(1)' },
      { label: '<img src=x onerror=alert(1)>', url: 'data:text/html,<b>x</b>' },
    ],
  }, S.en);
  const anchors = el.find('a');
  assert.equal(anchors.length, 3);
  for (const a of anchors) {
    assert.equal(a.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(a.getAttribute('referrerpolicy'), 'no-referrer');
    assert.ok(/^(https:|tel:|mailto:)/.test(a.getAttribute('href')));
  }
  assert.equal(anchors[0].getAttribute('target'), '_blank');
  assert.ok(anchors[0].textContent.includes(S.en.newTab));
  assert.equal(anchors[1].getAttribute('target'), null);
  const inert = el.all().filter((e) => e.getAttribute('class') === 'link-inert');
  assert.equal(inert.length, 2);
  assert.ok(inert[0].textContent.startsWith('evil'));
  assert.ok(inert[1].textContent.startsWith('<img src=x onerror=alert(1)>'));
  assert.equal(el.find('img').length, 0);
  for (const e of inert) assert.equal(e.getAttribute('href'), null);
});

test('renderSuggestions: real buttons in a labelled group', () => {
  const doc = new Document();
  const g = v.renderSuggestions(doc, [{ intent: 'report', label: 'Signaler <b>' },
                                      { intent: 'hotline', label: 'Ligne' }], 'fr', S.fr);
  assert.equal(g.getAttribute('role'), 'group');
  assert.equal(g.getAttribute('aria-label'), S.fr.suggestions);
  assert.equal(g.getAttribute('lang'), 'fr');
  const b = g.find('button');
  assert.equal(b.length, 2);
  assert.equal(b[0].getAttribute('type'), 'button');
  assert.equal(b[0].getAttribute('data-intent'), 'report');
  assert.equal(b[0].textContent, 'Signaler <b>');
  assert.equal(g.find('b').length, 0);
});

test('strings: both languages have the same keys, toggle names the other language', () => {
  assert.deepEqual(Object.keys(S.fr).sort(), Object.keys(S.en).sort());
  assert.equal(S.fr.toggle, 'English');
  assert.equal(S.en.toggle, 'Fran\u00e7ais');
  for (const l of ['fr', 'en']) {
    const notice = v.NOTICE[l].join(' ');
    assert.ok(notice.includes('911'), l);
    assert.ok(notice.includes('1-833-900-1010'), l);
  }
  assert.equal(v.HOTLINE_TEL, 'tel:+1-833-900-1010');
  assert.equal(v.EMERGENCY_TEL, 'tel:911');
});

test('shiftStep: three clean Shift presses within 5 s fire; other keys reset', () => {
  const press = (st, t, key = 'Shift') => {
    let r = v.shiftStep(st, { type: 'keydown', key }, t);
    r = v.shiftStep(r.state, { type: 'keyup', key }, t + 10);
    return r;
  };
  let r = press({}, 0);
  assert.equal(r.state.count, 1);
  r = press(r.state, 100);
  assert.equal(r.state.count, 2);
  assert.equal(r.fire, false);
  r = press(r.state, 200);
  assert.equal(r.fire, true);
  assert.equal(r.state.count, 0);

  /* Shift+letter does not count and resets the count */
  r = press({}, 0);
  r = press(r.state, 100);
  let s = v.shiftStep(r.state, { type: 'keydown', key: 'Shift' }, 150).state;
  s = v.shiftStep(s, { type: 'keydown', key: 'A' }, 160).state;
  r = v.shiftStep(s, { type: 'keyup', key: 'Shift' }, 170);
  assert.equal(r.fire, false);
  assert.equal(r.state.count, 0);

  /* too slow: the window restarts */
  r = press({}, 0);
  r = press(r.state, 1000);
  r = press(r.state, 7000);
  assert.equal(r.fire, false);
  assert.equal(r.state.count, 1);

  /* auto-repeat while held does not count */
  s = v.shiftStep({}, { type: 'keydown', key: 'Shift' }, 0).state;
  s = v.shiftStep(s, { type: 'keydown', key: 'Shift', repeat: true }, 30).state;
  r = v.shiftStep(s, { type: 'keyup', key: 'Shift' }, 60);
  assert.equal(r.state.count, 1);
});
