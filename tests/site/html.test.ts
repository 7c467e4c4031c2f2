import { describe, expect, it } from 'vitest';
import { html, join, raw, SafeHtml, safeUrl, type HtmlValue } from '../../leaderboard-site/src/html.js';

const HOSTILE = `<b onclick="x">'&'</b>`;
const ESCAPED = '&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;';

describe('the html template', () => {
  it('escapes < > & " and \' in text', () => {
    expect(String(html`<p>${HOSTILE}</p>`)).toBe(`<p>${ESCAPED}</p>`);
    // Each character on its own, and an entity is text too: written as it reads.
    expect(String(html`${'<'}${'>'}${'&'}${'"'}${"'"}`)).toBe('&lt;&gt;&amp;&quot;&#39;');
    expect(String(html`<p>${'&amp;'}</p>`)).toBe('<p>&amp;amp;</p>');
    // Control: the same text through raw() is markup.
    expect(String(html`<p>${raw(HOSTILE)}</p>`)).toBe(`<p>${HOSTILE}</p>`);
  });

  it('escapes attribute values, in double and single quotes, so none can end its quotes', () => {
    expect(String(html`<a title="${HOSTILE}" data-x='${HOSTILE}'>t</a>`)).toBe(`<a title="${ESCAPED}" data-x='${ESCAPED}'>t</a>`);
    expect(String(html`<td class="num${' primary'}">`)).toBe('<td class="num primary">');
    expect(String(html`<p title="${'" onmouseover="alert(1)'}">`)).toBe('<p title="&quot; onmouseover=&quot;alert(1)">');
  });

  it('writes numbers as they are, and nothing for null, undefined and false', () => {
    expect(String(html`<td>${3}</td><td>${-0.5}</td><td>${null}${undefined}${false}</td>`)).toBe('<td>3</td><td>-0.5</td><td></td>');
    const when = (show: boolean) => html`<p>${show && html`<b>yes</b>`}</p>`;
    expect(String(when(true))).toBe('<p><b>yes</b></p>');
    expect(String(when(false))).toBe('<p></p>');
  });

  it('nests: markup from a template goes in as it is, and its own values stay escaped', () => {
    const cell = (t: string) => html`<td>${t}</td>`;
    const row = html`<tr>${cell('a<b')}${cell('c&d')}</tr>`;
    expect(String(html`<table>${row}</table>`)).toBe('<table><tr><td>a&lt;b</td><td>c&amp;d</td></tr></table>');
    // Escaped once, however deep.
    expect(String(html`<div>${html`<p>${html`<i>${'<'}</i>`}</p>`}</div>`)).toBe('<div><p><i>&lt;</i></p></div>');
  });

  it('inserts arrays of markup joined, and escapes the strings among them', () => {
    const items = ['x', '<y>'].map((t) => html`<li>${t}</li>`);
    expect(String(html`<ul>${items}</ul>`)).toBe('<ul><li>x</li><li>&lt;y&gt;</li></ul>');
    const mixed: HtmlValue[] = [html`<b>1</b>`, '<2>', 3, null, [html`<i>4</i>`, '&']];
    expect(String(html`${mixed}`)).toBe('<b>1</b>&lt;2&gt;3<i>4</i>&amp;');
    expect(String(join(items, '\n'))).toBe('<li>x</li>\n<li>&lt;y&gt;</li>');
    expect(String(join(['<a>', html`<b></b>`], ', '))).toBe('&lt;a&gt;, <b></b>');
  });

  it('only makes SafeHtml through html and raw, and a look-alike object is not one', () => {
    expect(html`x`).toBeInstanceOf(SafeHtml);
    expect(raw('x')).toBeInstanceOf(SafeHtml);
    const fake = { toString: () => '<i>fake</i>' } as unknown as SafeHtml;
    expect(() => html`<p>${fake}</p>`).toThrow(/an object that is not markup/);
    expect(() => html`<p>${true as unknown as string}</p>`).toThrow(/a boolean that is not markup/);
  });

  it('takes markup only where a value cannot add attributes: between attributes a string is refused', () => {
    expect(String(html`<tr${html` aria-current="page"`}>`)).toBe('<tr aria-current="page">');
    expect(String(html`<tr${false}${''}>`)).toBe('<tr>');
    expect(() => html`<tr ${'onmouseover=alert(1)'}>`).toThrow(/a string inside a tag, where it could add attributes/);
    expect(() => html`<tr ${1}>`).toThrow(/a number inside a tag/);
  });

  it('refuses unquoted attribute values, event handlers, styles and script bodies, where escaping does not protect', () => {
    expect(() => html`<a href=${'x'}>`).toThrow(/an unquoted attribute value .*put the value in quotes/);
    expect(() => html`<a title=x${'y'}>`).toThrow(/an unquoted attribute value/);
    expect(() => html`<a onclick="${'x'}">`).toThrow(/in the onclick attribute/);
    expect(() => html`<p style="color: ${'red'}">`).toThrow(/in the style attribute/);
    expect(() => html`<script>var x = ${'1'};</script>`).toThrow(/a value inside a <script>/);
    expect(() => html`<style>p { color: ${'red'} }</style>`).toThrow(/a value inside a <style>/);
    expect(() => html`<!-- ${'-->'} -->`).toThrow(/a value inside a comment/);
    // After the script element ends, values are text again (control).
    expect(String(html`<script src="a.js"></script><p>${'<'}</p>`)).toBe('<script src="a.js"></script><p>&lt;</p>');
  });

  it('refuses markup inside an attribute value, which is text', () => {
    expect(() => html`<a title="${html`<b>x</b>`}">`).toThrow(/markup in the title attribute/);
    expect(() => html`<a title="${[html`<b>x</b>`]}">`).toThrow(/markup in the title attribute/);
  });

  it('writes only relative and http(s) links, however the scheme is disguised', () => {
    for (const ok of ['s/main/team.html#a.b', '../../index.html', 'https://example.org/?a=1&b=2', 'HTTP://x', '#top', ''])
      expect(() => html`<a href="${ok}">`, ok).not.toThrow();
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      '\u0001javascript:x',
      'data:text/html,x',
      'vbscript:x',
    ])
      expect(() => html`<a href="${bad}">`, JSON.stringify(bad)).toThrow(/link in the href attribute/);
    // The check covers a link made of several values, and src too.
    expect(() => html`<a href="${''}${'javascript:x'}">`).toThrow(/link/);
    expect(() => html`<img src="${'data:image/png,x'}">`).toThrow(/link in the src attribute/);
    // A value after a fixed start cannot set the scheme: it is escaped as usual.
    expect(String(html`<a href="s/${'a:b'}">`)).toBe('<a href="s/a:b">');
    expect(String(html`<a href="${'x?a=1&b=2'}">`)).toBe('<a href="x?a=1&amp;b=2">');
  });

  it('finds the scheme however the template is written: blanks around "=", blanks before the value, values that spell it together', () => {
    const bad = 'javascript:alert(1)';
    // Blanks around "=" keep the attribute's name: the link is checked, and an event handler refused.
    expect(() => html`<a href = "${bad}">`).toThrow(/javascript: link in the href attribute/);
    expect(() => html`<a onclick ="${'x'}">`).toThrow(/no value goes into an event handler/);
    // Control: the same name after another attribute with blanks is still a plain attribute.
    expect(String(html`<a class = "c" title = "${bad}">`)).toBe('<a class = "c" title = "javascript:alert(1)">');
    // Blanks before the value are dropped by browsers before they read the scheme.
    expect(() => html`<a href=" ${bad}">`).toThrow(/javascript: link/);
    // Two values, or a value and a fixed ":", could spell a scheme neither has alone.
    expect(() => html`<a href="${'javascript'}${':alert(1)'}">`).toThrow(/scheme could come from a value/);
    expect(() => html`<a href="${'javascript'}:alert(1)">`).toThrow(/scheme could come from a value/);
    expect(() => html`<a href="java${'script:alert(1)'}">`).toThrow(/scheme could come from a value/);
    // Control: a value then a fixed path, or a fixed path then values, are as before.
    expect(String(html`<a href="${'../'}s/${'a'}.html">`)).toBe('<a href="../s/a.html">');
    expect(() => html`<a href="${bad}x.html">`).toThrow(/javascript: link/);
    // More link attributes, and SVG animation, which can set an href to anything, takes no value.
    expect(() => html`<object data="${bad}">`).toThrow(/link in the data attribute/);
    expect(() => html`<a ping="${bad}">`).toThrow(/link in the ping attribute/);
    expect(() => html`<svg><a><set attributeName="href" to="${bad}"/></a></svg>`).toThrow(/no value goes into .* an animation/);
    // join's separator is text, escaped like every value.
    expect(String(join(['a', 'b'], '<br>'))).toBe('a&lt;br&gt;b');
  });

  it('reads each template once: the same call site gives the same answer every time', () => {
    const row = (t: string) => html`<td title="${t}">${t}</td>`;
    for (let i = 0; i < 3; i++) expect(String(row(`<${i}>`))).toBe(`<td title="&lt;${i}&gt;">&lt;${i}&gt;</td>`);
  });
});

describe('links a participant gave', () => {
  it('keep http(s) and drop every other scheme', () => {
    expect(safeUrl('https://example.org/paper')).toBe('https://example.org/paper');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,<b>')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
    expect(safeUrl(undefined)).toBeUndefined();
  });
});
