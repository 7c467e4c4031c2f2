import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../io.js';
import { dataKey, DEFAULT_DATA_KEY_ENV, isSealedData, sealFolder, unsealInto } from '../../hidden/sealed.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';

export const hidden = defineCommand({
  name: 'hidden',
  usage: ['hidden seal DIR FILE [--key-env NAME]', 'hidden open FILE DIR [--key-env NAME]'],
  description: `Keeps a competition's hidden data encrypted at rest on the runners. "seal" turns the hidden
folder DIR (truth, inputs) into one encrypted file FILE; "open" writes a sealed FILE back
into a new folder DIR. The key is 32 bytes in the environment variable NAME (default
${DEFAULT_DATA_KEY_ENV}, or data.hidden.key_env), as 64 hex digits or base64: make one with
"openssl rand -hex 32" and store it as a secret of the podium-evaluation environment only.

Point data.hidden (or --hidden) at the sealed file: "podium evaluate" and the Action open it
into a private temporary folder for the evaluation alone and remove it afterwards. A runner
that is reached by any other job finds only the encrypted file (see docs/security.md).`,
  options: {
    'key-env': { type: 'string', value: 'NAME', help: 'the variable that holds the key', default: DEFAULT_DATA_KEY_ENV },
  },
  examples: [
    'podium hidden seal ../my-hidden /srv/podium/my-benchmark.hidden',
    '(with PODIUM_DATA_KEY set: export PODIUM_DATA_KEY=$(openssl rand -hex 32), and the same',
    'value stored as the secret PODIUM_DATA_KEY of the podium-evaluation environment)',
  ],
  async run({ values, positionals }, io) {
    const [verb, from, to] = positionals;
    if ((verb !== 'seal' && verb !== 'open') || !from || !to || positionals.length !== 3)
      throw new UsageError('say "seal DIR FILE" or "open FILE DIR".');
    const key = dataKey(io.env, values['key-env']);
    const source = path.resolve(io.cwd, from);
    const target = path.resolve(io.cwd, to);
    if (verb === 'seal') {
      if (!(await stat(source).catch(() => undefined))?.isDirectory())
        throw new PodiumError(`${from} is not a folder.`, { fix: 'give the hidden data folder to seal, then the file to write.' });
      if (await stat(target).catch(() => undefined))
        throw new PodiumError(`${to} exists already.`, { fix: 'seal into a new file, then replace the old one.' });
      const { files, bytes } = await sealFolder(source, target, key);
      io.stdout(`Sealed ${files} file(s), ${bytes} bytes, from ${from} into ${to}.\n`);
      return 0;
    }
    if (!(await isSealedData(source)))
      throw new PodiumError(`${from} is not sealed hidden data.`, {
        fix: 'give a file that podium hidden seal wrote, then the folder to create.',
      });
    if (await stat(target).catch(() => undefined)) throw new PodiumError(`${to} exists already.`, { fix: 'open into a new folder.' });
    const { files } = await unsealInto(source, target, key);
    io.stdout(`Opened ${files} file(s) from ${from} into ${to}.\n`);
    return 0;
  },
});
