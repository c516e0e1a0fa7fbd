// ANSI colours in job output. ansi_up turns escape codes into HTML with everything else escaped;
// that HTML is then parsed in an inert document and rebuilt from an allow-list (span with ansi-*
// classes and a style set through the CSSOM, http(s) links, text), so nothing a job prints can
// become markup or script, and the page keeps its strict CSP (no inline style attributes).
import { AnsiUp } from './vendor/ansi_up.js';

const CLASS = /^ansi-[a-z-]+$/;

function rebuild(node) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return document.createTextNode('');
  if (node.tagName === 'SPAN') {
    const span = document.createElement('span');
    const classes = (node.getAttribute('class') ?? '').split(/\s+/).filter((c) => CLASS.test(c));
    if (classes.length) span.className = classes.join(' ');
    const style = node.getAttribute('data-style');
    if (style) span.style.cssText = style;
    for (const child of node.childNodes) span.append(rebuild(child));
    return span;
  }
  if (node.tagName === 'A' && /^https?:\/\//i.test(node.getAttribute('href') ?? '')) {
    const a = document.createElement('a');
    a.href = node.getAttribute('href');
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    a.textContent = node.textContent;
    return a;
  }
  return document.createTextNode(node.textContent ?? '');
}

/**
 * A converter for one job's output: colours set on one line carry on to the next, as in a
 * terminal. Returns a DocumentFragment for each line.
 */
export function ansiConverter() {
  const up = new AnsiUp();
  up.use_classes = true;
  up.escape_html = true;
  const parser = new DOMParser();
  return (text) => {
    // Inline style attributes would be refused by the CSP even in the inert document: they are
    // renamed first (in ansi_up's tags only: the text it escaped has no '<' or '"' left).
    const html = up.ansi_to_html(text).replace(/<span style="/g, '<span data-style="');
    const doc = parser.parseFromString(`<!doctype html><body>${html}`, 'text/html');
    const fragment = document.createDocumentFragment();
    for (const node of doc.body.childNodes) fragment.append(rebuild(node));
    return fragment;
  };
}
