import { describe, expect, it } from 'vitest';
import { progress } from '../../runner/src/cli/io.js';
import { captureIO } from '../helpers/competition.js';

describe('progress lines', () => {
  it('show on an interactive terminal and are cleared when done', () => {
    const io = { ...captureIO('/'), isTTY: true };
    const p = progress(io, false);
    p.step('scoring');
    p.done();
    expect(io.err()).toBe('\r\x1b[2K… scoring\r\x1b[2K');
  });

  it.each([
    ['in CI', { isTTY: true, env: { CI: 'true' } }, false],
    ['with --json', { isTTY: true, env: {} }, true],
    ['when piped', { isTTY: false, env: {} }, false],
  ])('stay quiet %s', (_name, over, json) => {
    const base = captureIO('/');
    const io = { ...base, ...over };
    const p = progress(io, json);
    p.step('scoring');
    p.done();
    expect(base.err()).toBe('');
  });
});
