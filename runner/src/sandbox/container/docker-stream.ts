/**
 * The two stream formats the Docker engine answers with: a container's stdout and stderr
 * multiplexed on one connection, and the JSON lines of a build or a pull.
 */

export type OutputStream = 'stdout' | 'stderr';

const NAMES: Record<number, OutputStream | undefined> = { 1: 'stdout', 2: 'stderr' };

/**
 * Splits the engine's multiplexed output of a container without a TTY: each frame is an
 * 8-byte header (the stream, 1 for stdout or 2 for stderr; three zero bytes; the payload's
 * length, big-endian) and then the payload. Chunks may cut a frame anywhere, header included.
 */
export class Demultiplexer {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: OutputStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const stream = NAMES[buf[0]!];
      // stdin (0) never comes back on a log or attach stream; anything else is not this format.
      if (!stream || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0)
        throw new Error(`the engine's output is not a multiplexed stream (a frame header starts ${buf.subarray(0, 8).toString('hex')})`);
      const length = buf.readUInt32BE(4);
      if (buf.length < 8 + length) break;
      this.onFrame(stream, buf.subarray(8, 8 + length));
      buf = buf.subarray(8 + length);
    }
    this.pending = Buffer.from(buf);
  }

  /** Whether the stream stopped inside a frame. */
  get partial(): boolean {
    return this.pending.length > 0;
  }
}

/** Reads newline-separated JSON objects from a stream, each handed over as it completes. */
export async function readJsonLines(stream: AsyncIterable<Buffer | string>, onObject: (o: Record<string, unknown>) => void): Promise<void> {
  let rest = '';
  const take = (line: string) => {
    const text = line.trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`the engine sent a line that is not JSON: ${text.slice(0, 200)}`);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) onObject(value as Record<string, unknown>);
  };
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      take(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  take(rest + decoder.decode());
}
