import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * How a step talks to the GitHub Actions runner, as GitHub documents it ("Workflow commands
 * for GitHub Actions"): inputs arrive as INPUT_<NAME> variables; outputs and the job summary
 * are appended to the files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name; annotations, masks and
 * log lines are commands on stdout (`::error file=F,line=L,col=C::message`). Written here
 * rather than taken from @actions/core, which brings an HTTP client for OIDC tokens Podium
 * never asks for and would be most of the bundle every competition commits.
 */

/** An input of the step, as the runner passes it: INPUT_ and the name upper-cased, spaces as _; trimmed. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** A step output, appended to the GITHUB_OUTPUT file under a delimiter the value cannot hold. */
export function setOutput(name: string, value: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) {
    // An old runner without output files: the command form it reads instead.
    process.stdout.write(`${EOL}::set-output name=${escapeProperty(name)}::${escapeData(value)}${EOL}`);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error('an output holds its own delimiter');
  appendToFile(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'GITHUB_OUTPUT');
}

/** Markdown appended to the job summary, when the runner gives one. */
export function appendSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file) appendToFile(file, `${markdown}${EOL}`, 'GITHUB_STEP_SUMMARY');
}

export function info(text: string): void {
  process.stdout.write(`${text}${EOL}`);
}

/** Where an annotation points in the repository. */
export interface AnnotationPlace {
  file?: string;
  line?: number;
  column?: number;
}

export function warning(message: string, where: AnnotationPlace = {}): void {
  command('warning', where, message);
}

export function error(message: string, where: AnnotationPlace = {}): void {
  command('error', where, message);
}

/** An error annotation, and the step fails when the process ends. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}

/** The runner replaces this value with *** in every later line of the log. */
export function setSecret(value: string): void {
  command('add-mask', {}, value);
}

function command(name: string, where: AnnotationPlace, message: string): void {
  const props = [
    where.file !== undefined ? `file=${escapeProperty(where.file)}` : '',
    where.line !== undefined ? `line=${where.line}` : '',
    where.column !== undefined ? `col=${where.column}` : '',
  ].filter(Boolean);
  process.stdout.write(`::${name}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(message)}${EOL}`);
}

/** A command's message: %, CR and LF escaped, so that a message stays on its line. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value: also : and , escaped, which separate properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function appendToFile(file: string, text: string, variable: string): void {
  if (!existsSync(file)) throw new Error(`${variable} names ${file}, which does not exist`);
  appendFileSync(file, text, { encoding: 'utf8' });
}
