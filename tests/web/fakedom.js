/*
 * fakedom.js - the smallest document the widget's render functions need, so
 * tests/web runs on plain node with no dependency. innerHTML/outerHTML/
 * insertAdjacentHTML throw: a render function that used them would fail.
 */
'use strict';

class Node {
  constructor(doc) {
    this.ownerDocument = doc;
    this.childNodes = [];
    this.parentNode = null;
  }
  appendChild(c) {
    if (c.parentNode) c.parentNode.removeChild(c);
    c.parentNode = this;
    this.childNodes.push(c);
    return c;
  }
  removeChild(c) {
    const i = this.childNodes.indexOf(c);
    if (i < 0) throw new Error('not a child');
    this.childNodes.splice(i, 1);
    c.parentNode = null;
    return c;
  }
  get firstChild() { return this.childNodes[0] || null; }
  get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(''); }
  set textContent(v) {
    this.childNodes = [];
    if (v !== '') this.appendChild(new Text(this.ownerDocument, String(v)));
  }
}

class Text extends Node {
  constructor(doc, data) { super(doc); this.nodeType = 3; this.data = data; }
  get textContent() { return this.data; }
  set textContent(v) { this.data = String(v); }
}

class Element extends Node {
  constructor(doc, tag) {
    super(doc);
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
  }
  setAttribute(k, v) {
    if (/^on/i.test(k)) throw new Error('event handler attribute set: ' + k);
    if (k === 'style') throw new Error('inline style set');
    this.attributes.set(k, String(v));
  }
  getAttribute(k) { return this.attributes.has(k) ? this.attributes.get(k) : null; }
  hasAttribute(k) { return this.attributes.has(k); }
  get children() { return this.childNodes.filter((c) => c.nodeType === 1); }
  set innerHTML(v) { throw new Error('innerHTML used'); }
  get innerHTML() { throw new Error('innerHTML read'); }
  set outerHTML(v) { throw new Error('outerHTML used'); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML used'); }
  /* every element below this one (depth first), this one included */
  all() {
    const out = [this];
    for (const c of this.children) out.push(...c.all());
    return out;
  }
  find(tag) { return this.all().filter((e) => e.tagName === tag.toUpperCase()); }
}

class Document {
  createElement(tag) { return new Element(this, tag); }
  createTextNode(t) { return new Text(this, String(t)); }
  write() { throw new Error('document.write used'); }
}

module.exports = { Document, Element, Text };
