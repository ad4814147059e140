/*
 * vigie.js - the vigie chat widget. One tag adds it to any page:
 *
 *   <script src="https://HOST/vigie.js" data-lang="fr" defer></script>
 *
 * Attributes (all optional):
 *   data-lang       "fr" | "en": UI language (default: <html lang>, else "fr")
 *   data-exit-url   where Quick exit goes (https: or same-site URL;
 *                   default https://www.google.com/)
 *   data-launcher   "auto" (a floating button) | "none" (the host opens the
 *                   chat itself with window.vigie.open())
 *   data-position   "right" (default) | "left"
 *
 * API: window.vigie = { open(), close(), setLanguage("fr"|"en"), exit(), destroy() }.
 *
 * Rules this file keeps: no third-party request, no innerHTML (server text
 * only ever reaches the page through textContent / createTextNode), no inline
 * style or script (works under script-src 'self'; style-src 'self'), no
 * cookie, no Web Storage, no IndexedDB, no sound. Everything lives in an
 * open Shadow DOM (open so that accessibility checkers and the tests can
 * read it) so the host page's CSS cannot break it.
 *
 * Quick exit (button, or Shift pressed three times; Escape only closes the
 * panel): blank cover, transcript and input wiped from the DOM and memory,
 * socket closed, location.replace(exit URL). A page entering the
 * back/forward cache drops its transcript first, so Back never shows one.
 *
 * Ownership: the widget owns its shadow host element and everything in it;
 * the transcript exists only in that DOM and in this closure's memory, and
 * exit() drops both.
 *
 * The pure functions at the top are exported to node for tests/web (the same
 * file runs in node through module.exports; it boots only in a browser).
 */
(function (factory) {
  'use strict';
  var lib = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = lib;
  }
  if (typeof window !== 'undefined' && typeof document !== 'undefined') {
    lib.boot(document.currentScript);
  }
})(function () {
  'use strict';

  /* ------------------------------------------------------------------ */
  /* Constants and strings                                               */
  /* ------------------------------------------------------------------ */

  var DEFAULT_EXIT_URL = 'https://www.google.com/';
  var HOTLINE_DISPLAY = '1-833-900-1010';
  var HOTLINE_TEL = 'tel:+1-833-900-1010';
  var EMERGENCY_TEL = 'tel:911';
  var MAX_TEXT = 4000;        /* characters of server text rendered */
  var MAX_LABEL = 200;        /* characters of a link or chip label */
  var MAX_LINKS = 8;
  var MAX_SUGGESTIONS = 8;
  var MAX_INPUT = 2000;       /* characters a visitor may send */
  var SHIFT_WINDOW_MS = 5000; /* three Shift presses within this time */
  var NBSP = '\u00A0';

  /* fr-CA and en-CA UI strings. Templates use {n}; no concatenation of
   * pieces into sentences. French typography: no-break space before : ? ! */
  var STRINGS = {
    fr: {
      launcher: 'Clavarder avec Vigie',
      title: 'Vigie, clavardage d\u2019information',
      close: 'Fermer le clavardage',
      exit: 'Quitter rapidement',
      exitHint: 'ou appuyez 3 fois sur Maj',
      toggle: 'English',
      toggleLang: 'en',
      toggleLabel: 'English (switch to English)',
      logTitle: 'Conversation',
      inputLabel: 'Votre message',
      send: 'Envoyer',
      botSaid: 'Vigie a dit' + NBSP + ': ',
      youSaid: 'Vous avez dit' + NBSP + ': ',
      suggestions: 'Suggestions',
      newTab: ' (s\u2019ouvre dans un nouvel onglet)',
      inert: ' (lien non s\u00e9curitaire, d\u00e9sactiv\u00e9)',
      pending: ' (pas encore envoy\u00e9)',
      connecting: 'Connexion' + NBSP + '\u2026',
      online: 'En ligne',
      offline: 'Hors ligne. Nouvelle tentative automatique' + NBSP + '\u2026 ' +
               'Le 911 et la Ligne d\u2019urgence restent joignables.',
      shiftLeft: 'Maj' + NBSP + ': appuyez encore {n} fois pour quitter',
      languageSet: 'Langue de l\u2019interface' + NBSP + ': fran\u00e7ais',
      safety911: 'Danger imm\u00e9diat' + NBSP + '?',
      call911: 'Composez le 911',
      hotline: 'Ligne d\u2019urgence contre la traite',
      error: 'Erreur',
      leaving: 'Fermeture\u2026'
    },
    en: {
      launcher: 'Chat with Vigie',
      title: 'Vigie, information chat',
      close: 'Close the chat',
      exit: 'Quick exit',
      exitHint: 'or press Shift 3 times',
      toggle: 'Fran\u00e7ais',
      toggleLang: 'fr',
      toggleLabel: 'Fran\u00e7ais (passer au fran\u00e7ais)',
      logTitle: 'Conversation',
      inputLabel: 'Your message',
      send: 'Send',
      botSaid: 'Vigie said: ',
      youSaid: 'You said: ',
      suggestions: 'Suggestions',
      newTab: ' (opens in a new tab)',
      inert: ' (unsafe link, disabled)',
      pending: ' (not sent yet)',
      connecting: 'Connecting\u2026',
      online: 'Online',
      offline: 'Offline. Retrying automatically\u2026 ' +
               '911 and the hotline can still be reached.',
      shiftLeft: 'Shift: press {n} more times to exit',
      languageSet: 'Interface language: English',
      safety911: 'Immediate danger?',
      call911: 'Call 911',
      hotline: 'Human Trafficking Hotline',
      error: 'Error',
      leaving: 'Closing\u2026'
    }
  };

  /* The honest first message, in both languages (active offer). Written
   * here, not by the server, so it is there even when the server is not. */
  var NOTICE = {
    fr: [
      'Bonjour' + NBSP + '! Je suis Vigie, un programme automatis\u00e9' + NBSP +
        ': pas une personne. Personne ne lit cette conversation en temps r\u00e9el. ' +
        'Je r\u00e9ponds \u00e0 des questions sur la traite des personnes et sur le DataJam ' +
        'contre l\u2019exploitation.',
      'En danger imm\u00e9diat' + NBSP + '? Composez le 911. Ligne d\u2019urgence canadienne ' +
        'contre la traite des personnes' + NBSP + ': 1-833-900-1010, 24 heures sur 24, ' +
        '7 jours sur 7, confidentielle.',
      'Ce clavardage n\u2019enregistre rien dans votre navigateur (ni t\u00e9moin, ni ' +
        'stockage). Le bouton \u00ab' + NBSP + 'Quitter rapidement' + NBSP + '\u00bb, ou la ' +
        'touche Maj press\u00e9e 3 fois, efface cette conversation de l\u2019\u00e9cran et ' +
        'de la m\u00e9moire et ouvre un autre site. Il n\u2019efface pas votre historique de ' +
        'navigation' + NBSP + ': les pages visit\u00e9es avant celle-ci y restent.'
    ],
    en: [
      'Hello! I am Vigie, an automated program: not a person. No one reads this ' +
        'conversation in real time. I answer questions about human trafficking and ' +
        'the DataJam Against Exploitation.',
      'In immediate danger? Call 911. Canadian Human Trafficking Hotline: ' +
        '1-833-900-1010, 24/7, confidential.',
      'This chat saves nothing in your browser (no cookie, no storage). The ' +
        '\u201cQuick exit\u201d button, or pressing Shift 3 times, erases this ' +
        'conversation from the screen and from memory and opens another site. It ' +
        'does not erase your browsing history: pages you visited before this one ' +
        'stay in it.'
    ]
  };

  /* ------------------------------------------------------------------ */
  /* Pure functions (unit-tested in tests/web)                           */
  /* ------------------------------------------------------------------ */

  function normLang(v, fallback) {
    var s = String(v || '').toLowerCase().slice(0, 2);
    if (s === 'fr' || s === 'en') return s;
    return fallback === undefined ? 'fr' : fallback;
  }

  function fill(template, n) {
    return String(template).replace('{n}', String(n));
  }

  /* The WebSocket URL for a widget loaded from 'scriptSrc': same host and
   * port, wss: when the script came over https:, ws: otherwise. */
  function wsUrl(scriptSrc, pageHref) {
    var u;
    try {
      u = new URL(scriptSrc || pageHref, pageHref || undefined);
    } catch (e) {
      return null;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return (u.protocol === 'https:' ? 'wss://' : 'ws://') + u.host + '/chat';
  }

  /* Exponential back-off with full jitter (AWS architecture blog): a delay
   * drawn uniformly in [floor, min(cap, base * 2^attempt)]. 'rand' returns
   * [0, 1). */
  function backoff(attempt, rand, opts) {
    var o = opts || {};
    var base = o.base || 500;
    var cap = o.cap || 30000;
    var floor = o.floor === undefined ? 250 : o.floor;
    var a = Math.max(0, Math.min(30, Math.floor(Number(attempt) || 0)));
    var ceil = Math.min(cap, base * Math.pow(2, a));
    if (ceil < floor) ceil = floor;
    var r = Number(rand());
    if (!(r >= 0) || r >= 1) r = 0;
    return Math.floor(floor + r * (ceil - floor));
  }

  /* A link from the server is kept only when its scheme is https:, tel: or
   * mailto:. Returns the normalised URL string, or null (then the label is
   * rendered as plain text). */
  function safeUrl(raw) {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null;
    /* control characters and spaces inside a URL are a smuggling trick */
    if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(raw)) {
      return null;
    }
    var u;
    try {
      u = new URL(raw);
    } catch (e) {
      return null;
    }
    if (u.protocol === 'https:') {
      if (!u.hostname || u.username || u.password) return null;
      return u.href;
    }
    if (u.protocol === 'tel:') {
      return /^tel:\+?[0-9][0-9\-.()]{1,30}$/.test(raw) ? raw : null;
    }
    if (u.protocol === 'mailto:') {
      return /^mailto:[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}(\?[^<>"']*)?$/.test(raw)
        ? raw : null;
    }
    return null;
  }

  /* Where Quick exit goes: an absolute https: URL, or an http(s) URL on the
   * page's own origin (tests, intranets); anything else -> the default. */
  function exitUrl(attr, pageHref) {
    if (typeof attr !== 'string' || attr.trim() === '') return DEFAULT_EXIT_URL;
    var u;
    try {
      u = new URL(attr.trim(), pageHref);
    } catch (e) {
      return DEFAULT_EXIT_URL;
    }
    if (u.protocol === 'https:' && u.hostname) return u.href;
    if (u.protocol === 'http:' && pageHref) {
      try {
        if (new URL(pageHref).origin === u.origin) return u.href;
      } catch (e2) { /* fall through */ }
    }
    return DEFAULT_EXIT_URL;
  }

  function clip(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
  }

  /* Validates one server frame (a string) into a plain object, or null.
   * Only known fields survive; lengths are capped. */
  function parseFrame(data) {
    if (typeof data !== 'string' || data.length > 65536) return null;
    var m;
    try {
      m = JSON.parse(data);
    } catch (e) {
      return null;
    }
    if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
    if (m.type === 'reply') {
      if (typeof m.text !== 'string') return null;
      var out = {
        type: 'reply',
        intent: typeof m.intent === 'string' ? clip(m.intent, 64) : '',
        lang: normLang(m.lang, null),
        text: clip(m.text, MAX_TEXT),
        links: [],
        suggestions: []
      };
      if (Array.isArray(m.links)) {
        m.links.slice(0, MAX_LINKS).forEach(function (l) {
          if (l && typeof l.label === 'string' && l.label !== '') {
            out.links.push({ label: clip(l.label, MAX_LABEL),
                             url: typeof l.url === 'string' ? l.url : '' });
          }
        });
      }
      if (Array.isArray(m.suggestions)) {
        m.suggestions.slice(0, MAX_SUGGESTIONS).forEach(function (s) {
          if (s && typeof s.intent === 'string' && /^[a-z0-9._-]{1,64}$/.test(s.intent) &&
              typeof s.label === 'string' && s.label !== '') {
            out.suggestions.push({ intent: s.intent, label: clip(s.label, MAX_LABEL) });
          }
        });
      }
      return out;
    }
    if (m.type === 'error') {
      return {
        type: 'error',
        code: typeof m.code === 'string' ? clip(m.code, 64) : '',
        text: typeof m.text === 'string' ? clip(m.text, MAX_TEXT) : ''
      };
    }
    return null;
  }

  /* Appends 'text' to 'parent' as text nodes, one <br> per line break. Never
   * parses markup: "<img onerror>" stays those characters. */
  function appendText(doc, parent, text) {
    var lines = String(text).split(/\r\n|\r|\n/);
    for (var i = 0; i < lines.length; i++) {
      if (i > 0) parent.appendChild(doc.createElement('br'));
      parent.appendChild(doc.createTextNode(lines[i]));
    }
    return parent;
  }

  function srOnly(doc, text) {
    var s = doc.createElement('span');
    s.setAttribute('class', 'sr-only');
    s.appendChild(doc.createTextNode(text));
    return s;
  }

  /* One link: an <a> when the URL is safe, else the label as inert text. */
  function renderLink(doc, link, strings) {
    var url = safeUrl(link.url);
    if (!url) {
      var span = doc.createElement('span');
      span.setAttribute('class', 'link-inert');
      span.appendChild(doc.createTextNode(link.label));
      span.appendChild(srOnly(doc, strings.inert));
      return span;
    }
    var a = doc.createElement('a');
    a.setAttribute('href', url);
    a.setAttribute('rel', 'noopener noreferrer');
    a.setAttribute('referrerpolicy', 'no-referrer');
    a.appendChild(doc.createTextNode(link.label));
    if (url.indexOf('https:') === 0) {
      a.setAttribute('target', '_blank');
      a.appendChild(srOnly(doc, strings.newTab));
    }
    return a;
  }

  /* A transcript entry. who: "bot" | "user" | "system"; lang: the language
   * the text is written in (set on the element for screen readers). */
  function renderMessage(doc, msg, strings) {
    var el = doc.createElement('div');
    el.setAttribute('class', 'msg msg-' + msg.who);
    el.setAttribute('lang', normLang(msg.lang));
    if (msg.who === 'bot') el.appendChild(srOnly(doc, strings.botSaid));
    if (msg.who === 'user') el.appendChild(srOnly(doc, strings.youSaid));
    var paras = Array.isArray(msg.paragraphs) ? msg.paragraphs : [msg.text];
    for (var i = 0; i < paras.length; i++) {
      var p = doc.createElement('p');
      appendText(doc, p, paras[i]);
      el.appendChild(p);
    }
    if (msg.links && msg.links.length) {
      var ul = doc.createElement('ul');
      ul.setAttribute('class', 'links');
      for (var j = 0; j < msg.links.length; j++) {
        var li = doc.createElement('li');
        li.appendChild(renderLink(doc, msg.links[j], strings));
        ul.appendChild(li);
      }
      el.appendChild(ul);
    }
    return el;
  }

  /* Suggestion chips: real buttons in a labelled group. */
  function renderSuggestions(doc, suggestions, lang, strings) {
    var g = doc.createElement('div');
    g.setAttribute('role', 'group');
    g.setAttribute('aria-label', strings.suggestions);
    g.setAttribute('class', 'chips');
    g.setAttribute('lang', normLang(lang));
    for (var i = 0; i < suggestions.length; i++) {
      var b = doc.createElement('button');
      b.setAttribute('type', 'button');
      b.setAttribute('class', 'chip');
      b.setAttribute('data-intent', suggestions[i].intent);
      b.appendChild(doc.createTextNode(suggestions[i].label));
      g.appendChild(b);
    }
    return g;
  }

  /* Shift x3 detector, as GOV.UK's "Exit this page": a Shift key released
   * with no other key pressed in between counts; three within the window
   * fire; any other key resets. state: {count, first, dirty}. ev: {type:
   * "keydown"|"keyup", key, repeat}. Returns {state, fire, changed}. */
  function shiftStep(state, ev, now) {
    var s = { count: state.count || 0, first: state.first || 0, dirty: !!state.dirty };
    var changed = false;
    if (ev.type === 'keydown') {
      if (ev.key === 'Shift') {
        if (!ev.repeat) s.dirty = false;
      } else {
        s.dirty = true;
        if (s.count) { s.count = 0; s.first = 0; changed = true; }
      }
      return { state: s, fire: false, changed: changed };
    }
    if (ev.type === 'keyup' && ev.key === 'Shift') {
      if (s.dirty) { s.dirty = false; return { state: s, fire: false, changed: false }; }
      if (s.count === 0 || now - s.first > SHIFT_WINDOW_MS) { s.count = 0; s.first = now; }
      s.count += 1;
      changed = true;
      if (s.count >= 3) return { state: { count: 0, first: 0, dirty: false }, fire: true, changed: true };
    }
    return { state: s, fire: false, changed: changed };
  }

  /* ------------------------------------------------------------------ */
  /* The widget (browser only)                                           */
  /* ------------------------------------------------------------------ */

  var instance = null;

  function el(doc, tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k) && attrs[k] !== null) {
          e.setAttribute(k, attrs[k]);
        }
      }
    }
    if (text !== undefined && text !== null) e.appendChild(doc.createTextNode(text));
    return e;
  }

  function setText(node, text) {
    node.textContent = text;
  }

  function Widget(script) {
    var doc = document;
    var self = this;
    var src = (script && script.src) || '';
    var ds = (script && script.dataset) || {};
    var pageLang = doc.documentElement && doc.documentElement.getAttribute('lang');

    this.doc = doc;
    this.lang = normLang(ds.lang || pageLang, 'fr');
    this.exitTo = exitUrl(ds.exitUrl, location.href);
    this.launcherMode = ds.launcher === 'none' ? 'none' : 'auto';
    this.position = ds.position === 'left' ? 'left' : 'right';
    this.url = wsUrl(src || location.href, location.href);
    this.cssUrl = new URL('vigie.css', src || location.href).href;
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.queue = [];           /* frames typed while offline, in memory only */
    this.pendingUser = [];     /* user bubbles waiting for a reply (lang) */
    this.shift = { count: 0, first: 0, dirty: false };
    this.conn = 'connecting';
    this.exited = false;
    this.open_ = false;
    this.listeners = [];

    this.build();
    this.on(window, 'keydown', function (e) { self.onKey(e); }, true);
    this.on(window, 'keyup', function (e) { self.onKey(e); }, true);
    this.on(window, 'online', function () { self.retryNow(); });
    this.on(window, 'resize', function () { self.updateModal(); });
    this.on(doc, 'visibilitychange', function () {
      if (doc.visibilityState === 'visible') self.retryNow();
    });
    this.on(window, 'pageshow', function (e) { self.onPageShow(e); });
    this.on(window, 'pagehide', function (e) { self.onPageHide(e); });
    this.connect();
  }

  Widget.prototype.on = function (target, type, fn, capture) {
    target.addEventListener(type, fn, !!capture);
    this.listeners.push([target, type, fn, !!capture]);
  };

  Widget.prototype.t = function () {
    return STRINGS[this.lang];
  };

  Widget.prototype.build = function () {
    var doc = this.doc;
    var self = this;
    var host = el(doc, 'vigie-chat', { 'data-vigie': '' });
    var shadow = host.attachShadow({ mode: 'open' });
    var s = this.t();

    shadow.appendChild(el(doc, 'link', { rel: 'stylesheet', href: this.cssUrl }));
    var rootEl = el(doc, 'div', { 'class': 'root pos-' + this.position, lang: this.lang });

    var launcher = el(doc, 'button', {
      type: 'button', 'class': 'launcher', 'aria-expanded': 'false', 'aria-controls': 'vigie-panel'
    });
    if (this.launcherMode === 'none') launcher.hidden = true;

    var panel = el(doc, 'div', {
      id: 'vigie-panel', 'class': 'panel', role: 'dialog', 'aria-labelledby': 'vigie-title'
    });
    panel.hidden = true;

    /* header: title, language toggle, quick exit, close */
    var header = el(doc, 'div', { 'class': 'header' });
    var title = el(doc, 'h2', { id: 'vigie-title', 'class': 'title' });
    var tools = el(doc, 'div', { 'class': 'tools' });
    var exitA = el(doc, 'a', { 'class': 'exit', href: this.exitTo, rel: 'nofollow noreferrer' });
    var toggle = el(doc, 'button', { type: 'button', 'class': 'toggle' });
    var closeB = el(doc, 'button', { type: 'button', 'class': 'close' });
    var closeIcon = el(doc, 'span', { 'aria-hidden': 'true', 'class': 'icon' }, '\u00d7');
    var closeText = el(doc, 'span', { 'class': 'sr-only' });
    closeB.appendChild(closeIcon);
    closeB.appendChild(closeText);
    tools.appendChild(exitA);
    tools.appendChild(toggle);
    tools.appendChild(closeB);
    header.appendChild(title);
    header.appendChild(tools);

    var exitHint = el(doc, 'p', { 'class': 'exit-hint' });
    var hintText = el(doc, 'span');
    var lights = el(doc, 'span', { 'class': 'lights', 'aria-hidden': 'true' });
    for (var i = 0; i < 3; i++) lights.appendChild(el(doc, 'span', { 'class': 'light' }));
    exitHint.appendChild(hintText);
    exitHint.appendChild(lights);

    /* static safety bar: works with no server at all */
    var safety = el(doc, 'p', { 'class': 'safety' });

    var logTitle = el(doc, 'h3', { id: 'vigie-log-title', 'class': 'sr-only' });
    var log = el(doc, 'div', {
      'class': 'log', role: 'log', 'aria-live': 'off', 'aria-labelledby': 'vigie-log-title',
      tabindex: '0'
    });
    var status = el(doc, 'p', { 'class': 'status' });
    var chips = el(doc, 'div', { 'class': 'chips-slot' });
    var banner = el(doc, 'div', { 'class': 'emergency' });
    banner.hidden = true;
    this.fillBanner(banner);

    var form = el(doc, 'form', { 'class': 'composer' });
    var label = el(doc, 'label', { 'for': 'vigie-input', 'class': 'sr-only' });
    var input = el(doc, 'textarea', {
      id: 'vigie-input', rows: '2', maxlength: String(MAX_INPUT), enterkeyhint: 'send',
      autocomplete: 'off', spellcheck: 'true'
    });
    var send = el(doc, 'button', { type: 'submit', 'class': 'send' });
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    var announcer = el(doc, 'div', {
      'class': 'sr-only announcer', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true'
    });

    panel.appendChild(header);
    panel.appendChild(exitHint);
    panel.appendChild(safety);
    panel.appendChild(logTitle);
    panel.appendChild(log);
    panel.appendChild(status);
    panel.appendChild(chips);
    panel.appendChild(banner);
    panel.appendChild(form);

    var blank = el(doc, 'div', { 'class': 'blank', role: 'alert' });
    blank.hidden = true;

    rootEl.appendChild(launcher);
    rootEl.appendChild(panel);
    rootEl.appendChild(announcer);
    rootEl.appendChild(blank);
    shadow.appendChild(rootEl);

    this.host = host;
    this.shadow = shadow;
    this.ui = {
      root: rootEl, launcher: launcher, panel: panel, title: title, exitA: exitA,
      toggle: toggle, closeText: closeText, hintText: hintText, lights: lights,
      safety: safety, logTitle: logTitle, log: log, status: status, chips: chips,
      banner: banner, label: label, input: input, send: send, announcer: announcer,
      blank: blank
    };

    launcher.addEventListener('click', function () {
      if (self.open_) self.close(); else self.open();
    });
    closeB.addEventListener('click', function () { self.close(); });
    toggle.addEventListener('click', function () {
      self.setLanguage(self.lang === 'fr' ? 'en' : 'fr');
    });
    exitA.addEventListener('click', function (e) {
      e.preventDefault();
      self.exit();
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      self.sendText();
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        self.sendText();
      }
    });
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') {
        e.preventDefault();
        self.close();
      } else if (e.key === 'Tab') {
        self.keepFocusInside(e);
      }
    });
    chips.addEventListener('click', function (e) {
      var b = e.target && e.target.closest ? e.target.closest('button.chip') : null;
      if (b) self.pressChip(b);
    });

    this.applyStrings();
    this.addNotice();
    (doc.body || doc.documentElement).appendChild(host);
  };

  Widget.prototype.fillBanner = function (banner) {
    var doc = this.doc;
    banner.textContent = '';
    ['fr', 'en'].forEach(function (l) {
      var s = STRINGS[l];
      var p = el(doc, 'p', { lang: l });
      p.appendChild(el(doc, 'strong', null, s.safety911));
      p.appendChild(doc.createTextNode(' '));
      p.appendChild(el(doc, 'a', { href: EMERGENCY_TEL, 'class': 'tel' }, s.call911));
      banner.appendChild(p);
    });
  };

  /* (Re)writes every UI string in the current language. */
  Widget.prototype.applyStrings = function () {
    var s = this.t();
    var u = this.ui;
    var doc = this.doc;
    u.root.setAttribute('lang', this.lang);
    setText(u.launcher, s.launcher);
    setText(u.title, s.title);
    setText(u.exitA, s.exit);
    setText(u.toggle, s.toggle);
    u.toggle.setAttribute('lang', s.toggleLang);
    u.toggle.setAttribute('aria-label', s.toggleLabel);
    setText(u.closeText, s.close);
    setText(u.hintText, s.exitHint);
    setText(u.logTitle, s.logTitle);
    setText(u.label, s.inputLabel);
    setText(u.send, s.send);
    u.safety.textContent = '';
    u.safety.appendChild(el(doc, 'span', null, s.safety911 + ' '));
    u.safety.appendChild(el(doc, 'a', { href: EMERGENCY_TEL, 'class': 'tel' }, '911'));
    u.safety.appendChild(el(doc, 'span', { 'aria-hidden': 'true' }, ' \u00b7 '));
    u.safety.appendChild(el(doc, 'span', null, s.hotline + (this.lang === 'fr' ? NBSP + ': ' : ': ')));
    u.safety.appendChild(el(doc, 'a', { href: HOTLINE_TEL, 'class': 'tel' }, HOTLINE_DISPLAY));
    var chipGroup = u.chips.firstChild;
    if (chipGroup) chipGroup.setAttribute('aria-label', s.suggestions);
    this.showStatus(false);
  };

  Widget.prototype.addNotice = function () {
    var first = this.lang;
    var second = first === 'fr' ? 'en' : 'fr';
    this.appendMessage({ who: 'bot', lang: first, paragraphs: NOTICE[first] }, false);
    this.appendMessage({ who: 'bot', lang: second, paragraphs: NOTICE[second] }, false);
  };

  Widget.prototype.appendMessage = function (msg, announce) {
    var node = renderMessage(this.doc, msg, STRINGS[normLang(msg.lang, this.lang)]);
    var log = this.ui.log;
    log.appendChild(node);
    /* a new answer is shown from its first line (long answers are read from
     * the top); the visitor's own message scrolls to the end */
    if (msg.who === 'bot' && announce && node.offsetHeight > log.clientHeight - 16) {
      log.scrollTop = Math.max(0, node.offsetTop - 8);
    } else {
      log.scrollTop = log.scrollHeight;
    }
    if (announce) {
      var s = STRINGS[normLang(msg.lang, this.lang)];
      var prefix = msg.who === 'user' ? s.youSaid : s.botSaid;
      this.announce(prefix + (msg.paragraphs ? msg.paragraphs.join(' ') : msg.text),
                    normLang(msg.lang, this.lang));
    }
    return node;
  };

  /* The one polite announcer: its content is replaced by the latest news. */
  Widget.prototype.announce = function (text, lang) {
    var a = this.ui.announcer;
    a.textContent = '';
    a.appendChild(el(this.doc, 'span', { lang: lang || this.lang }, text));
  };

  Widget.prototype.showStatus = function (announce) {
    var s = this.t();
    var text = this.conn === 'open' ? s.online : this.conn === 'offline' ? s.offline : s.connecting;
    setText(this.ui.status, text);
    this.ui.status.setAttribute('data-state', this.conn);
    if (announce) this.announce(text, this.lang);
  };

  Widget.prototype.setConn = function (state) {
    if (this.conn === state) return;
    var wasOffline = this.conn === 'offline';
    this.conn = state;
    /* announce going offline once, and coming back after being offline */
    this.showStatus(state === 'offline' || (state === 'open' && wasOffline));
  };

  /* ---- connection ---- */

  Widget.prototype.connect = function () {
    var self = this;
    if (this.exited || !this.url) return;
    if (this.ws && (this.ws.readyState === 0 || this.ws.readyState === 1)) return;
    clearTimeout(this.timer);
    this.timer = 0;
    var ws;
    try {
      ws = new WebSocket(this.url, 'vigie.v1');
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.attempt = 0;
      ws.send(JSON.stringify({ type: 'hello', lang: self.lang }));
      var q = self.queue;
      self.queue = [];
      for (var i = 0; i < q.length; i++) {
        ws.send(q[i].frame);
        if (q[i].node) self.markSent(q[i].node);
      }
      self.setConn('open');
    };
    ws.onmessage = function (e) {
      if (self.ws !== ws) return;
      self.onFrame(e.data);
    };
    ws.onclose = function () {
      if (self.ws !== ws) return;
      self.ws = null;
      self.setConn('offline');
      self.scheduleRetry();
    };
    ws.onerror = function () { /* onclose follows */ };
  };

  Widget.prototype.scheduleRetry = function () {
    var self = this;
    if (this.exited || this.timer) return;
    var delay = backoff(this.attempt, Math.random);
    this.attempt += 1;
    this.timer = setTimeout(function () {
      self.timer = 0;
      self.connect();
    }, delay);
  };

  Widget.prototype.retryNow = function () {
    if (this.exited) return;
    if (this.ws && (this.ws.readyState === 0 || this.ws.readyState === 1)) return;
    clearTimeout(this.timer);
    this.timer = 0;
    this.connect();
  };

  Widget.prototype.sendFrame = function (obj, node) {
    var frame = JSON.stringify(obj);
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(frame);
      return true;
    }
    this.queue.push({ frame: frame, node: node || null });
    if (node) {
      node.classList.add('pending');
      node.appendChild(srOnly(this.doc, this.t().pending));
    }
    this.retryNow();
    return false;
  };

  Widget.prototype.markSent = function (node) {
    node.classList.remove('pending');
    var last = node.lastChild;
    if (last && last.getAttribute && last.getAttribute('class') === 'sr-only') node.removeChild(last);
  };

  Widget.prototype.onFrame = function (data) {
    if (this.exited) return;
    var m = parseFrame(data);
    if (!m) return;
    if (m.type === 'error') {
      this.pendingUser.shift(); /* that message will get no reply */
      this.appendMessage({ who: 'system', lang: this.lang, text: m.text || (this.t().error + ' ' + m.code) }, true);
      return;
    }
    this.renderReply(m);
  };

  /* Renders a validated reply: text, links, chips, emergency banner. */
  Widget.prototype.renderReply = function (m) {
    var lang = m.lang || this.lang;
    var u = this.pendingUser.shift();
    if (u) u.setAttribute('lang', lang);
    this.appendMessage({ who: 'bot', lang: lang, text: m.text, links: m.links }, true);
    this.ui.chips.textContent = '';
    if (m.suggestions.length) {
      this.ui.chips.appendChild(renderSuggestions(this.doc, m.suggestions, lang, STRINGS[lang]));
    }
    if (m.intent === 'emergency' && this.ui.banner.hidden) {
      this.ui.banner.hidden = false;
    }
  };

  Widget.prototype.sendText = function () {
    var input = this.ui.input;
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text || this.exited) return;
    text = text.slice(0, MAX_INPUT);
    input.value = '';
    var node = this.appendMessage({ who: 'user', lang: this.lang, text: text }, false);
    this.pendingUser.push(node);
    this.sendFrame({ type: 'message', text: text, lang: this.lang }, node);
  };

  Widget.prototype.pressChip = function (b) {
    var intent = b.getAttribute('data-intent');
    var group = b.parentNode;
    var lang = (group && group.getAttribute('lang')) || this.lang;
    var node = this.appendMessage({ who: 'user', lang: lang, text: b.textContent }, false);
    this.ui.chips.textContent = '';
    this.sendFrame({ type: 'suggestion', intent: intent }, node);
    this.ui.input.focus();
  };

  /* ---- panel ---- */

  Widget.prototype.open = function () {
    if (this.exited) return;
    this.open_ = true;
    this.updateModal();
    this.ui.panel.hidden = false;
    this.ui.root.classList.add('is-open');
    this.ui.launcher.setAttribute('aria-expanded', 'true');
    this.ui.log.scrollTop = this.ui.log.scrollHeight;
    this.ui.input.focus();
    this.retryNow();
  };

  Widget.prototype.close = function () {
    if (this.exited) return;
    var had = this.open_;
    this.open_ = false;
    this.ui.panel.hidden = true;
    this.ui.root.classList.remove('is-open');
    this.ui.launcher.setAttribute('aria-expanded', 'false');
    if (had && !this.ui.launcher.hidden) this.ui.launcher.focus();
  };

  /* On a small screen the panel covers the whole page: it is then modal, and
   * Tab cycles inside it so focus never lands on hidden page content (WCAG
   * 2.4.11). Escape and the close button leave it, so it is no trap. */
  Widget.prototype.isFullScreen = function () {
    return !!(window.matchMedia &&
              window.matchMedia('(max-width: 640px), (max-height: 480px)').matches);
  };

  Widget.prototype.updateModal = function () {
    if (this.isFullScreen()) this.ui.panel.setAttribute('aria-modal', 'true');
    else this.ui.panel.removeAttribute('aria-modal');
  };

  Widget.prototype.keepFocusInside = function (e) {
    if (!this.isFullScreen()) return;
    var all = this.ui.panel.querySelectorAll('a[href], button, textarea, [tabindex="0"]');
    var list = [];
    for (var i = 0; i < all.length; i++) {
      if (!all[i].disabled && all[i].getClientRects().length > 0) list.push(all[i]);
    }
    if (!list.length) return;
    var active = this.shadow.activeElement;
    if (e.shiftKey && active === list[0]) {
      e.preventDefault();
      list[list.length - 1].focus();
    } else if (!e.shiftKey && active === list[list.length - 1]) {
      e.preventDefault();
      list[0].focus();
    }
  };

  Widget.prototype.setLanguage = function (lang) {
    var l = normLang(lang, null);
    if (!l || this.exited) return;
    var changed = l !== this.lang;
    this.lang = l;
    this.applyStrings();
    if (changed) {
      this.announce(this.t().languageSet, l);
      if (this.ws && this.ws.readyState === 1) {
        this.ws.send(JSON.stringify({ type: 'hello', lang: l }));
      }
    }
  };

  /* ---- quick exit ---- */

  Widget.prototype.onKey = function (e) {
    if (this.exited) return;
    var r = shiftStep(this.shift, { type: e.type, key: e.key, repeat: e.repeat }, Date.now());
    this.shift = r.state;
    if (r.fire) {
      this.exit();
      return;
    }
    if (r.changed) {
      var lights = this.ui.lights.childNodes;
      for (var i = 0; i < lights.length; i++) {
        lights[i].classList.toggle('on', i < this.shift.count);
      }
      if (this.shift.count > 0) {
        this.announce(fill(this.t().shiftLeft, 3 - this.shift.count), this.lang);
      }
    }
  };

  /* Drops the conversation from the DOM and from memory. */
  Widget.prototype.clearConversation = function () {
    var u = this.ui;
    if (!u) return;
    u.log.textContent = '';
    u.chips.textContent = '';
    u.announcer.textContent = '';
    u.input.value = '';
    u.banner.hidden = true;
    this.queue = [];
    this.pendingUser = [];
  };

  /* Exit: the conversation and the whole widget go. */
  Widget.prototype.wipe = function () {
    if (!this.ui) return;
    this.clearConversation();
    this.ui.panel.hidden = true;
    this.ui.launcher.hidden = true;
  };

  Widget.prototype.dropSocket = function () {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.ws) {
      var ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(1000); } catch (e) { /* already closed */ }
    }
  };

  Widget.prototype.exit = function () {
    var self = this;
    if (this.exited) {
      location.replace(this.exitTo);
      return;
    }
    this.exited = true;
    /* 1. blank the page at once */
    this.ui.blank.textContent = this.t().leaving;
    this.ui.blank.hidden = false;
    this.ui.root.classList.add('is-exiting');
    if (this.doc.activeElement && this.doc.activeElement.blur) this.doc.activeElement.blur();
    /* 2. wipe screen and memory */
    this.wipe();
    /* 3. close the socket */
    this.dropSocket();
    /* 4. replace this history entry with the neutral site */
    location.replace(self.exitTo);
  };

  /* Back/forward cache. A page that goes into the cache leaves its
   * conversation behind first (it lives in memory only, so a page reloaded by
   * Back would not have it either): after a Quick exit on another page, Back
   * cannot bring an old transcript back. A page restored after its own exit
   * stays blank and leaves again. */
  Widget.prototype.onPageHide = function (e) {
    if (this.exited) {
      this.wipe();
      return;
    }
    if (e && e.persisted) {
      this.clearConversation();
      this.dropSocket();
      this.conn = 'connecting';
      this.showStatus(false);
    }
  };

  Widget.prototype.onPageShow = function (e) {
    if (this.exited) {
      this.wipe();
      this.ui.blank.hidden = false;
      location.replace(this.exitTo);
      return;
    }
    if (e && e.persisted) {
      if (!this.ui.log.firstChild) this.addNotice();
      this.attempt = 0;
      this.retryNow();
    }
  };

  Widget.prototype.destroy = function () {
    this.exited = true;
    this.dropSocket();
    this.listeners.forEach(function (l) { l[0].removeEventListener(l[1], l[2], l[3]); });
    this.listeners = [];
    this.wipe();
    if (this.host && this.host.parentNode) this.host.parentNode.removeChild(this.host);
    this.ui = null;
    this.shadow = null;
    this.host = null;
  };

  function boot(script) {
    if (instance) return instance;
    var s = script;
    if (!s) {
      var all = document.querySelectorAll('script[src]');
      for (var i = all.length - 1; i >= 0; i--) {
        if (/\/vigie\.js(\?|#|$)/.test(all[i].src)) { s = all[i]; break; }
      }
    }
    function start() {
      if (instance) return;
      instance = new Widget(s);
      var api = {
        open: function () { if (instance) instance.open(); },
        close: function () { if (instance) instance.close(); },
        setLanguage: function (l) { if (instance) instance.setLanguage(l); },
        exit: function () { if (instance) instance.exit(); },
        destroy: function () {
          if (instance) instance.destroy();
          instance = null;
        }
      };
      Object.freeze(api);
      try {
        Object.defineProperty(window, 'vigie', { value: api, configurable: true });
      } catch (e) {
        window.vigie = api;
      }
    }
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
    return null;
  }

  return {
    STRINGS: STRINGS,
    NOTICE: NOTICE,
    DEFAULT_EXIT_URL: DEFAULT_EXIT_URL,
    HOTLINE_TEL: HOTLINE_TEL,
    EMERGENCY_TEL: EMERGENCY_TEL,
    normLang: normLang,
    wsUrl: wsUrl,
    backoff: backoff,
    safeUrl: safeUrl,
    exitUrl: exitUrl,
    parseFrame: parseFrame,
    appendText: appendText,
    renderLink: renderLink,
    renderMessage: renderMessage,
    renderSuggestions: renderSuggestions,
    shiftStep: shiftStep,
    boot: boot
  };
});
