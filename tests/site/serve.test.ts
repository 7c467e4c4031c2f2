import { get } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveSite } from '../../leaderboard-site/src/serve.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** A raw GET: the path goes out exactly as written, with no client-side normalising. */
function fetchRaw(url: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    get({ hostname, port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('the local site server', () => {
  it('serves the site and nothing outside it', async () => {
    const root = await temp();
    const site = path.join(root, 'site');
    await mkdir(path.join(site, 'phase'), { recursive: true });
    await writeFile(path.join(site, 'index.html'), '<h1>board</h1>');
    await writeFile(path.join(site, 'phase', 'index.html'), '<h1>phase</h1>');
    await writeFile(path.join(root, 'secret.txt'), 'hidden truth');
    const { server, url } = await serveSite(site);
    try {
      expect(await fetchRaw(url, '/')).toEqual({ status: 200, body: '<h1>board</h1>' });
      expect(await fetchRaw(url, '/phase/')).toEqual({ status: 200, body: '<h1>phase</h1>' });
      expect((await fetchRaw(url, '/missing.html')).status).toBe(404);
      // Encoded separators survive URL parsing and decode to a path that climbs out.
      for (const attempt of ['/..%2fsecret.txt', '/phase/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
        const res = await fetchRaw(url, attempt);
        expect(res.status, attempt).toBe(403);
        expect(res.body).not.toContain('hidden truth');
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
