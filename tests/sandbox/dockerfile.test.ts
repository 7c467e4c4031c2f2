import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBuild, expandArgs, parseDockerfile } from '../../runner/src/sandbox/container/dockerfile.js';
import { dockerEngine } from '../../runner/src/sandbox/container/docker.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { requireTool } from '../helpers/tools.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * Dockerfiles read as Docker's own parser reads them, and the build policy on top: checked here
 * against what the engine's builder really does with each file.
 */
const temp = useTempDirs();
const OTHER = 'podium/other:offline';
const ALLOWED = [BASE_IMAGE];

describe('reading a Dockerfile as Docker does', () => {
  it.each([
    ['a keyword split over two lines', 'FR\\\nOM x\n', ['FROM x']],
    ['the escape directive', '# escape=`\nFROM x\nRUN a `\n  b\n', ['FROM x', 'RUN a   b']],
    ['a comment inside a continued instruction', 'RUN a \\\n# note\n  b\n', ['RUN a   b']],
    ['an empty continuation line', 'RUN a \\\n\n  b\n', ['RUN a   b']],
    ['a byte-order mark and CRLF', '\uFEFFFROM x\r\nRUN y\r\n', ['FROM x', 'RUN y']],
    ['leading whitespace and a lower-case keyword', '   from x as b\n', ['FROM x as b']],
    ['a directive after an instruction is a comment', 'FROM x\n# escape=`\nRUN a `\n', ['FROM x', 'RUN a `']],
  ])('%s', (_name, text, want) => {
    expect(parseDockerfile(text).instructions.map((i) => `${i.keyword} ${i.args}`.trim())).toEqual(want);
  });

  it('takes leading flags as Docker does, quotes and escapes included', () => {
    const [copy] = parseDockerfile('COPY --from="a b" --chown=1:1 src dst\n').instructions;
    expect(copy).toMatchObject({ flags: ['from=a b', 'chown=1:1'], args: 'src dst' });
  });

  it('expands ARG defaults only where their value is known', () => {
    const v = new Map<string, string | undefined>([
      ['B', 'img'],
      ['E', ''],
      ['U', undefined],
    ]);
    expect(expandArgs('$B:1', v)).toBe('img:1');
    expect(expandArgs('${B}', v)).toBe('img');
    expect(expandArgs('${E:-dflt}', v)).toBe('dflt');
    expect(expandArgs('${U-dflt}', v)).toBe('dflt');
    expect(expandArgs('${B:+alt}', v)).toBe('alt');
    expect(expandArgs('x\\$B', v)).toBe('x$B');
    // A name the Dockerfile does not declare may be the engine's own (TARGETARCH): unknown.
    expect(expandArgs('img$TARGETARCH', v)).toBeUndefined();
    expect(expandArgs('${B#i}', v)).toBeUndefined();
  });
});

describe('the build policy', () => {
  it.each([
    ['a base image that is allowed', `FROM ${BASE_IMAGE}\nRUN true\n`, undefined],
    [
      'a multi-stage build from allowed images and its stages',
      `FROM ${BASE_IMAGE} AS b\nFROM b\nCOPY --from=b /x /x\nCOPY --from=0 /y /y\n`,
      undefined,
    ],
    ['an ARG default in FROM', `ARG BASE=${BASE_IMAGE}\nFROM $BASE\n`, undefined],
    ['a base image that is not', `FROM ${OTHER}\n`, /allowed base images/],
    ['a base image through an ARG default', `ARG B=${OTHER}\nFROM \${B}\n`, /starts FROM podium\/other:offline/],
    ['a base image the engine would name itself', `FROM ${BASE_IMAGE}$TARGETARCH\n`, /cannot be resolved/],
    ['a second stage from an image not allowed', `FROM ${BASE_IMAGE}\nFROM ${OTHER}\n`, /allowed base images/],
    ['COPY --from an image not allowed', `FROM ${BASE_IMAGE}\nCOPY --from=${OTHER} /bin/sh /x\n`, /would fetch an image/],
    ['COPY --from a variable', `FROM ${BASE_IMAGE}\nCOPY --from=$X /a /b\n`, /with a variable/],
    ['ADD from http', `FROM ${BASE_IMAGE}\nADD http://10.0.0.1/x /x\n`, /fetch it from the network/],
    ['ADD from https in the JSON form', `FROM ${BASE_IMAGE}\nADD ["https://example.org/x", "/x"]\n`, /fetch it from the network/],
    ['ADD from git', `FROM ${BASE_IMAGE}\nADD git@github.com:o/r.git /r\n`, /fetch it from the network/],
    ['ADD from a variable', `FROM ${BASE_IMAGE}\nARG U=http://x/y\nADD $U /x\n`, /a variable in ADD/],
    // Found by a review that built each against the engine: accepted before, fetched by the engine.
    [
      'a trigger a later stage would run',
      `FROM ${BASE_IMAGE} AS a\nONBUILD ADD http://127.0.0.1:8765/x /x\nFROM a\n`,
      /ONBUILD is not allowed/,
    ],
    ['ADD of a quoted URL', `FROM ${BASE_IMAGE}\nADD "http://127.0.0.1:8765/x" /x\n`, /ADD of a URL/],
    ['ADD of a URL split by an escape', `FROM ${BASE_IMAGE}\nADD h\\ttp://127.0.0.1:8765/x /x\n`, /ADD of a URL/],
    ['ADD of JSON with text after it', `FROM ${BASE_IMAGE}\nADD ["http://127.0.0.1:8765/x", "/x"] junk\n`, /ADD of a URL/],
    ['ADD of a URL quoted inside JSON', `FROM ${BASE_IMAGE}\nADD ["'http://127.0.0.1:8765/x'", "/x"]\n`, /ADD of a URL/],
    ['a default cleared by a bare ARG', `ARG X=${BASE_IMAGE}\nARG X\nFROM \${X:-${OTHER}}\n`, /starts FROM podium\/other:offline/],
    ['a directive behind a vertical tab', `#\vescape=\`\nFROM ${BASE_IMAGE}\nRUN true #\`\nFROM ${OTHER}\n`, /printable ASCII/],
    ['a keyword behind U+0085', `FROM ${BASE_IMAGE}\n\u0085FROM ${OTHER}\n`, /printable ASCII/],
    ['a continuation through U+FEFF', `FROM ${BASE_IMAGE}\nRUN true \\\n\uFEFF\nFROM ${OTHER}\n`, /printable ASCII/],
    [
      'a flag escaped by the escape directive',
      `# escape=\`\nFROM ${BASE_IMAGE}\nCOPY --chown=0\` --from=${OTHER} /x /x\n`,
      /plain user, group or mode/,
    ],
    ['a flag split by a no-break space', `FROM ${BASE_IMAGE}\nCOPY \u00a0--from=${OTHER} /x /x\n`, /printable ASCII/],
    ['a platform other than the runner’s', `FROM --platform=linux/arm64 ${BASE_IMAGE}\n`, /FROM --platform is not allowed/],
    ['a VOLUME', `FROM ${BASE_IMAGE}\nVOLUME /data\n`, /VOLUME is not allowed/],
    ['ADD --checksum', `FROM ${BASE_IMAGE}\nADD --checksum=sha256:0 x /x\n`, /ADD --checksum is not allowed/],
    ['RUN --mount', `FROM ${BASE_IMAGE}\nRUN --mount=type=bind,from=${OTHER},target=/o true\n`, /RUN --mount is not allowed/],
    ['RUN --network', `FROM ${BASE_IMAGE}\nRUN --network=host true\n`, /RUN --network is not allowed/],
    ['a heredoc', `FROM ${BASE_IMAGE}\nRUN <<EOF\nwget http://x\nEOF\n`, /heredoc/],
    ['a syntax directive', `# syntax=docker/dockerfile:1\nFROM ${BASE_IMAGE}\n`, /fetch a build frontend/],
  ])('%s', (_name, text, refusal) => {
    const checked = checkBuild(text, ALLOWED);
    if (refusal === undefined) expect(checked, JSON.stringify(checked)).toMatchObject({ ok: true });
    else expect(checked).toMatchObject({ ok: false, why: expect.stringMatching(refusal) });
  });

  it('writes what it checked: one instruction a line, ASCII, no directives, FROM resolved, paths as JSON', () => {
    const checked = checkBuild(
      `# escape=\`\nARG B=${BASE_IMAGE}\nfrom $B as Build\nRUN echo a \`\n  # a note\n  && echo b\ncopy --chown=1:1 src  /dst/\nFROM build\nCMD ["sh"]\n`,
      ALLOWED,
    );
    expect(checked).toMatchObject({ ok: true });
    if (!checked.ok) return;
    expect(checked.plan.dockerfile).toBe(
      `ARG B=${BASE_IMAGE}\nFROM ${BASE_IMAGE} AS build\nRUN echo a   && echo b\nCOPY --chown=1:1 ["src","/dst/"]\nFROM build\nCMD ["sh"]\n`,
    );
  });

  it('names the line of the refusal', () => {
    expect(checkBuild(`FROM ${BASE_IMAGE}\nRUN true\nADD http://x/y /y\n`, ALLOWED)).toMatchObject({ ok: false, line: 3 });
  });
});

const engine = await engineAvailable();
requireTool('a Docker engine', engine);

describe.skipIf(!engine)('the build policy against what the engine builds', () => {
  beforeAll(async () => {
    await ensureBaseImage();
    // A second local image, told apart by a label: any build that ends on it shows it.
    const dir = await temp();
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nLABEL podium.which=other\n`);
    execFileSync('docker', ['build', '-q', '-t', OTHER, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  }, 120_000);

  /** Builds a Dockerfile with the engine as is (no policy) and says whether it ended on the other image. */
  async function builtFromOther(dockerfile: string): Promise<boolean | 'failed'> {
    const dir = await temp();
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    const tag = `podium-test/parse-${Math.random().toString(36).slice(2)}:x`;
    try {
      await dockerEngine().build(dir, tag, {});
    } catch {
      return 'failed';
    }
    try {
      return (
        execFileSync('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "podium.which" }}', tag], {
          encoding: 'utf8',
        }).trim() === 'other'
      );
    } finally {
      execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  }

  it.each([
    ['plainly (the control)', `FROM ${OTHER}\n`],
    ['with the keyword split over two lines', `FR\\\nOM ${OTHER}\n`],
    ['with a backtick escape', `# escape=\`\nFR\`\nOM ${OTHER}\n`],
    ['after a byte-order mark, with CRLF', `\uFEFFFROM ${OTHER}\r\n`],
    ['in lower case, indented', `   from ${OTHER}\n`],
    ['through a comment inside a continuation', `FROM \\\n# a note\n  ${OTHER}\n`],
    ['through an ARG default', `ARG B=${OTHER}\nFROM $B\n`],
    ['through a default in the expansion', `ARG B\nFROM \${B:-${OTHER}}\n`],
    ['as the last of two stages', `FROM ${BASE_IMAGE} AS first\nFROM ${OTHER}\n`],
  ])('a Dockerfile that starts FROM the other image %s is built from it, and refused', async (_name, dockerfile) => {
    expect(await builtFromOther(dockerfile)).toBe(true);
    expect(checkBuild(dockerfile, ALLOWED)).toMatchObject({ ok: false });
  });

  it.each([
    ['plainly', `FROM ${BASE_IMAGE}\n`],
    ['with a stage named like an image', `FROM ${BASE_IMAGE} AS other\nFROM other\n`],
    ['through an ARG default', `ARG B=${BASE_IMAGE}\nFROM $B\n`],
  ])('a Dockerfile from the allowed image %s is built from it, and accepted', async (_name, dockerfile) => {
    expect(await builtFromOther(dockerfile)).toBe(false);
    expect(checkBuild(dockerfile, ALLOWED)).toMatchObject({ ok: true });
  });

  it('builds the text it checked: a tricky but allowed Dockerfile does what it says, from the allowed image', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'src.txt'), 'copied\n');
    const text = `# escape=\`\nARG B=${BASE_IMAGE}\nfrom $B as first\nRUN echo a \`\n  # a note\n  > /made.txt\nCOPY src.txt /copied.txt\nFROM first\nRUN cat /made.txt /copied.txt > /both.txt\n`;
    const checked = checkBuild(text, ALLOWED);
    if (!checked.ok) throw new Error(checked.why);
    const tag = `podium-test/canonical-${Math.random().toString(36).slice(2)}:x`;
    await dockerEngine().build(dir, tag, {}, { dockerfile: checked.plan.dockerfile });
    try {
      expect(execFileSync('docker', ['run', '--rm', '--network', 'none', tag, 'cat', '/both.txt'], { encoding: 'utf8' })).toBe(
        'a\ncopied\n',
      );
      expect(
        execFileSync('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "podium.which" }}', tag], {
          encoding: 'utf8',
        }).trim(),
      ).toBe('');
      // The build folder is left as it was: the canonical Dockerfile was there for the build only.
      expect(await readdir(dir)).toEqual(['src.txt']);
    } finally {
      execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it('ADD of a URL on the runner’s loopback: the engine fetches it itself; Podium refuses the build before it asks', async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.end('the-runner-secret\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const dockerfile = `FROM ${BASE_IMAGE}\nADD http://127.0.0.1:${port}/secret /x\nRUN cat /x; exit 1\n`;
      const refused = checkBuild(dockerfile, ALLOWED);
      expect(refused).toMatchObject({ ok: false, line: 2 });
      // Control: built without the check, the engine does fetch from the runner's loopback,
      // whatever networkmode says for RUN.
      const dir = await temp();
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
      const built = await dockerEngine()
        .build(dir, 'podium-test/add-url:x', {})
        .then(
          () => '',
          (e: { log?: string; message: string }) => `${e.message}\n${e.log ?? ''}`,
        );
      expect(requests).toBe(1);
      expect(built).toContain('the-runner-secret');
    } finally {
      server.close();
    }
  });
});
