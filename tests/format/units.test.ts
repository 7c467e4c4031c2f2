import { describe, expect, it } from 'vitest';
import { formatInterval, formatJoules, formatMiB, formatMs, formatScore, formatSeconds } from '../../runner/src/format/units.js';

describe('numbers for people', () => {
  it('writes a score with four decimals, and in exponent form when very small or very large', () => {
    expect([0.9, 0, -0.25, 1e-3, 123456.789].map(formatScore)).toEqual(['0.9000', '0.0000', '-0.2500', '0.0010', '123456.7890']);
    expect([1e-4, 2.5e6, -3e-7].map(formatScore)).toEqual(['1.000e-4', '2.500e+6', '-3.000e-7']);
    expect([NaN, Infinity].map(formatScore)).toEqual(['NaN', 'Infinity']);
  });

  it('writes an interval with spaces around the dash, or tight for a table cell', () => {
    expect(formatInterval({ low: 0.81, high: 0.8534 })).toBe('0.8100 – 0.8534');
    expect(formatInterval({ low: 0.81, high: 0.8534 }, { tight: true })).toBe('0.8100–0.8534');
  });

  it('writes milliseconds and joules with two decimals below 10 and whole from there', () => {
    expect([0.004, 3.456, 9.994, 12.5, 1234.4].map(formatMs)).toEqual(['0.00 ms', '3.46 ms', '9.99 ms', '13 ms', '1234 ms']);
    expect([0.5, 21.07, 3155.67].map(formatJoules)).toEqual(['0.50 J', '21 J', '3156 J']);
  });

  it('writes memory in MiB, with one decimal below 10 MiB', () => {
    const MiB = 1024 * 1024;
    expect([512 * 1024, 9.94 * MiB, 10 * MiB, 3930.9 * MiB].map(formatMiB)).toEqual(['0.5 MiB', '9.9 MiB', '10 MiB', '3931 MiB']);
  });

  it('writes seconds with three significant digits, whole from 100 s', () => {
    expect([0.01234, 0.4567, 5, 12.345, 99.94, 123.4].map(formatSeconds)).toEqual([
      '0.0123 s',
      '0.457 s',
      '5.00 s',
      '12.3 s',
      '99.9 s',
      '123 s',
    ]);
  });
});
