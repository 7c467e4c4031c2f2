import { execFile } from 'node:child_process';

/**
 * The NVIDIA Container Toolkit on a GPU runner must be one that does not hand its OCI hooks the
 * container's environment: up to 1.17.7 an image's LD_PRELOAD reached a hook that runs as root
 * on the host (CVE-2025-23266, fixed in 1.17.8). Podium also drops such variables from every
 * run (runEnvironment), but refuses to hand GPUs to a run on a toolkit known to be vulnerable.
 */
export const MIN_TOOLKIT: readonly [number, number, number] = [1, 17, 8];

/** Asks `nvidia-ctk --version` (PODIUM_NVIDIA_CTK names another binary). */
export type CtkVersion = () => Promise<string>;

export function nvidiaCtk(command = process.env.PODIUM_NVIDIA_CTK || 'nvidia-ctk', timeoutMs = 10_000): CtkVersion {
  return () =>
    new Promise((resolve, reject) =>
      execFile(command, ['--version'], { timeout: timeoutMs, maxBuffer: 1 << 16, env: { PATH: process.env.PATH ?? '' } }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
}

/**
 * The version from nvidia-ctk's answer, which urfave/cli prints as "<name> version <v>" with
 * the commit on a second line, e.g. "NVIDIA Container Toolkit CLI version 1.17.8".
 */
export function parseToolkitVersion(text: string): [number, number, number] | undefined {
  const m = /\bversion\s+v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export type ToolkitCheck = { ok: true; version: string } | { ok: false; why: string };

export async function checkToolkit(ask: CtkVersion = nvidiaCtk()): Promise<ToolkitCheck> {
  let text: string;
  try {
    text = await ask();
  } catch (e: unknown) {
    return {
      ok: false,
      why: `the runner cannot tell its NVIDIA Container Toolkit version (nvidia-ctk --version: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
    };
  }
  const v = parseToolkitVersion(text);
  if (!v) return { ok: false, why: `nvidia-ctk --version printed no version ("${text.trim().split('\n')[0]?.slice(0, 80)}")` };
  const version = v.join('.');
  for (let i = 0; i < 3; i++) {
    if (v[i]! > MIN_TOOLKIT[i]!) break;
    if (v[i]! < MIN_TOOLKIT[i]!)
      return {
        ok: false,
        why: `the runner's NVIDIA Container Toolkit is ${version}; GPU runs need ${MIN_TOOLKIT.join('.')} or newer (CVE-2025-23266)`,
      };
  }
  return { ok: true, version };
}
