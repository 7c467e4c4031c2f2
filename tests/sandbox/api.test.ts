import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forbiddenReason } from '../../runner/src/sandbox/api/address.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Handler = (req: IncomingMessage, body: { batch: number; items: { id: string }[] }, res: ServerResponse) => void;

/** A participant's system on loopback, answering with whatever the handler says. */
async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => handler(req, JSON.parse(text) as { batch: number; items: { id: string }[] }, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/predict`;
}

/** The competition's api section: these settings, with any given overrides. */
function apiSection(overrides: Record<string, string>): string {
  const settings: Record<string, string> = {
    inputs: 'test.csv',
    inputs_from: 'public',
    batch_size: '50',
    concurrency: '3',
    retries: '2',
    timeout_seconds: '2',
    allow_http: 'true',
    allow_hosts: "['127.0.0.1']",
    ...overrides,
  };
  return `api:\n${Object.entries(settings)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}`;
}

async function apiCompetition(overrides: Record<string, string> = {}) {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    edit: (y) =>
      y
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, api]')
        .replace('leaderboard:', `${apiSection(overrides)}scoring:\n  bootstrap:\n    resamples: 50\nleaderboard:`),
  });
  const answers = await ex.baselineAnswers();
  const submit = (endpoint: string) =>
    ex.submit('t', 'api', { 'submission.yml': `team: t\nname: api\nkind: api\nendpoint: ${endpoint}\n` });
  const evaluate = async (endpoint: string) =>
    evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: await submit(endpoint) });
  return { ex, answers, evaluate, submit };
}

const answer = (answers: Map<string, string>) => (body: { items: { id: string }[] }) => ({
  predictions: body.items.map((i) => ({ id: i.id, label: answers.get(i.id) })),
});

describe('which addresses an endpoint may reach', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'shared address space'],
    ['0.0.0.0', 'this network'],
    ['::1', 'loopback'],
    ['fd00::1', 'unique local (private)'],
    ['fe80::1', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
  ])('refuses %s (%s)', (address, why) => {
    expect(forbiddenReason(address)).toBe(why);
  });
  it.each([['93.184.216.34'], ['8.8.8.8'], ['2606:4700::1111']])('allows the public address %s', (address) => {
    expect(forbiddenReason(address)).toBeUndefined();
  });
});

describe('API submissions', () => {
  it('are called in batches and scored like a predictions file, with latency and throughput', async () => {
    const { answers, evaluate } = await apiCompetition();
    const seen: number[] = [];
    const url = await serve((_req, body, res) => {
      seen.push(body.items.length);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(answers)(body)));
    });
    const record = await evaluate(url);
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(JSON.stringify(record));
    expect(record.scores.public.accuracy!.value).toBeCloseTo(0.885, 12);
    expect(seen).toHaveLength(12);
    expect(seen.every((n) => n === 50)).toBe(true);
    expect(record.resources).toMatchObject({ requests: 12, retries: 0 });
    const r = record.resources!;
    expect(r.latency_ms!.p50).toBeGreaterThan(0);
    expect(r.latency_ms!.p50).toBeLessThanOrEqual(r.latency_ms!.p95);
    expect(r.latency_ms!.p95).toBeLessThanOrEqual(r.latency_ms!.p99);
    expect(r.throughput_per_s).toBeGreaterThan(0);
    expect(r.per_sample_ms).toBeGreaterThan(0);
  });

  it('retries transient failures, a bounded number of times', async () => {
    const { answers, evaluate } = await apiCompetition();
    let calls = 0;
    const flaky = await serve((_req, body, res) => {
      calls++;
      if (calls <= 2) {
        res.statusCode = 503;
        res.end('busy');
        return;
      }
      res.end(JSON.stringify(answer(answers)(body)));
    });
    const ok = await evaluate(flaky);
    expect(ok.status).toBe('scored');
    expect(ok.resources?.retries).toBe(2);

    const down = await serve((_req, _body, res) => {
      res.statusCode = 500;
      res.end('down');
    });
    const failed = await evaluate(down);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'endpoint-failed' } });
    if (failed.status !== 'scored') expect(failed.error.message).toMatch(/batch \d+ of 12: HTTP 500/);
    expect(failed.resources?.requests).toBeLessThanOrEqual(12 * 3);
  });

  it('refuses a loopback endpoint unless the organiser allows the host', async () => {
    const { evaluate } = await apiCompetition({ allow_hosts: '' });
    const url = await serve((_req, _body, res) => res.end('{}'));
    const record = await evaluate(url);
    expect(record.status).toBe('failed');
    if (record.status !== 'scored')
      expect(record.error.message).toContain('resolves to 127.0.0.1 (loopback); the runner does not call such addresses');
  });

  it('refuses a redirect to the cloud metadata address, even from an allowed host', async () => {
    const { evaluate } = await apiCompetition();
    const url = await serve((_req, _body, res) => {
      res.statusCode = 307;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      res.end();
    });
    const record = await evaluate(url);
    expect(record.status).toBe('failed');
    if (record.status !== 'scored') expect(record.error.message).toContain('169.254.169.254 (link-local (cloud metadata))');
  });

  it('caps the response size', async () => {
    const { evaluate } = await apiCompetition({ max_response_kb: '1' });
    const url = await serve((_req, _body, res) => res.end(JSON.stringify({ predictions: [], padding: 'x'.repeat(10_000) })));
    const record = await evaluate(url);
    expect(record.status).toBe('failed');
    if (record.status !== 'scored') expect(record.error.message).toContain('larger than 1 KiB');
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    const { evaluate } = await apiCompetition({ timeout_seconds: '0.2', retries: '0' });
    const url = await serve(() => {
      /* never answers */
    });
    const record = await evaluate(url);
    expect(record.status).toBe('failed');
    if (record.status !== 'scored') expect(record.error.message).toContain('response within 0.2 s');
  });

  it('stops an endpoint that trickles its answer, one byte at a time, at the request deadline (control: the same answer at once is scored)', async () => {
    const { answers, evaluate } = await apiCompetition({ timeout_seconds: '1', retries: '0' });
    const trickle = await serve((_req, body, res) => {
      // Never idle for long, never done: the socket's own timeout would wait for ever.
      const text = JSON.stringify(answer(answers)(body));
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed || i >= text.length) return clearInterval(t);
        res.write(text[i++]!);
      }, 100);
      res.on('close', () => clearInterval(t));
    });
    const started = Date.now();
    const slow = await evaluate(trickle);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(slow.status).toBe('failed');
    if (slow.status !== 'scored') expect(slow.error.message).toContain('no complete response within 1 s');
    const quick = await serve((_req, body, res) => res.end(JSON.stringify(answer(answers)(body))));
    expect((await evaluate(quick)).status).toBe('scored');
  });

  it('bounds the whole evaluation in time and in bytes (controls: the same endpoint within the bounds is scored)', async () => {
    const slowEach = (answers: Map<string, string>) => (_req: IncomingMessage, body: { items: { id: string }[] }, res: ServerResponse) =>
      setTimeout(() => res.end(JSON.stringify(answer(answers)(body))), 400);
    const timed = await apiCompetition({ timeout_seconds: '2', retries: '0', concurrency: '1', evaluation_timeout_seconds: '2' });
    const late = await timed.evaluate(await serve(slowEach(timed.answers)));
    expect(late.status).toBe('failed');
    if (late.status !== 'scored') expect(late.error.message).toContain('did not answer every batch within 2 s in all');
    const roomy = await apiCompetition({ timeout_seconds: '2', retries: '0', concurrency: '1', evaluation_timeout_seconds: '30' });
    expect((await roomy.evaluate(await serve(slowEach(roomy.answers)))).status).toBe('scored');

    // Every answer padded to 200 KB: 12 batches, 2.4 MB in all, over a budget of 1 MB.
    const padded = (answers: Map<string, string>) => (_req: IncomingMessage, body: { items: { id: string }[] }, res: ServerResponse) =>
      res.end(JSON.stringify({ ...answer(answers)(body), pad: 'x'.repeat(200_000) }));
    const budget = await apiCompetition({ max_total_mb: '1' });
    const heavy = await budget.evaluate(await serve(padded(budget.answers)));
    expect(heavy.status).toBe('failed');
    if (heavy.status !== 'scored') expect(heavy.error.message).toContain('the answers together are larger than the evaluation allows');
    const wide = await apiCompetition({ max_total_mb: '10' });
    expect((await wide.evaluate(await serve(padded(wide.answers)))).status).toBe('scored');
  });

  it('withholds what an endpoint answered from its error when it was sent hidden inputs (control: public inputs are quoted)', async () => {
    const leaking = (_req: IncomingMessage, body: { items: Record<string, string>[] }, res: ServerResponse) => {
      res.statusCode = 400;
      res.end(`echo of a hidden input: ${JSON.stringify(body.items[0])}`);
    };
    const hidden = await apiCompetition({ inputs_from: 'hidden', retries: '0' });
    await writeFile(
      path.join(hidden.ex.hidden, 'test.csv'),
      await readFile(path.join(hidden.ex.dir, 'data', 'public', 'test.csv'), 'utf8'),
    );
    const refused = await hidden.evaluate(await serve(leaking as Handler));
    expect(refused.status).toBe('failed');
    if (refused.status !== 'scored') {
      expect(refused.error.message).toContain('HTTP 400');
      expect(refused.error.message).not.toContain('echo of a hidden input');
    }
    const open = await apiCompetition({ retries: '0' });
    const shown = await open.evaluate(await serve(leaking as Handler));
    if (shown.status !== 'scored') expect(shown.error.message).toContain('echo of a hidden input');
    else throw new Error('expected a failure');
  });

  it('rejects responses that are not JSON, and predictions that miss items', async () => {
    const { answers, evaluate } = await apiCompetition();
    const garbage = await serve((_req, _body, res) => res.end('<html>'));
    const bad = await evaluate(garbage);
    if (bad.status !== 'scored') expect(bad.error.message).toContain('the response is not JSON');
    const partial = await serve((_req, body, res) => res.end(JSON.stringify({ predictions: answer(answers)(body).predictions.slice(1) })));
    const missing = await evaluate(partial);
    expect(missing).toMatchObject({ status: 'rejected', error: { code: 'invalid-predictions' } });
    if (missing.status !== 'scored') {
      expect(missing.error.problems![0]!.message).toBe('12 test ids of 600 have no prediction. Give one row for every test id.');
      expect(JSON.stringify(missing)).not.toMatch(/clip-\d+/);
    }
  });

  it('requires https unless the organiser allows http', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [api]').replace('leaderboard:', 'api:\n  inputs: test.csv\nleaderboard:'),
    });
    const dir = await ex.submit('t', 'a', { 'submission.yml': 'team: t\nname: a\nkind: api\nendpoint: http://example.org/predict\n' });
    const report = await validateSubmission(ex.competition, dir);
    expect(report.problems[0]!.message).toBe('the endpoint must use https://.');
  });

  it('asks for an api section when the competition takes API submissions', async () => {
    const root = await temp();
    await expect(exampleCompetition(root, { edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [api]') })).rejects.toThrow(
      /API submissions need an "api" section/,
    );
  });
});
