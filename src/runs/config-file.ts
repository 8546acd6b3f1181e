/**
 * `pcc.yaml`: a run's options kept in a file, in the sections of the option table
 * (run-options.ts), plus `roots:`. Found through `--config FILE`, `PCC_CONFIG`, or `pcc.yaml` in
 * the working directory; flags win over the file. Errors name the file, the key and the line.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, LineCounter, type Node } from 'yaml';
import type { RunRequest } from './run-request';
import {
  CONFIG_SECTIONS,
  OptionValueError,
  parseOptionValue,
  RUN_OPTIONS,
  type ConfigSection,
  type RunOption,
} from './run-options';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export interface RunConfigFile {
  file: string;
  /** Library folders from `roots:`, resolved against the file's folder. */
  roots?: string[];
  request: Partial<RunRequest>;
}

/** Which config file applies: the explicit one (--config, else PCC_CONFIG), or ./pcc.yaml when it exists. */
export function locateConfigFile(explicit: string | undefined): string | undefined {
  if (explicit) return path.resolve(explicit);
  const local = path.resolve('pcc.yaml');
  return fs.existsSync(local) ? local : undefined;
}

export function readRunConfigFile(file: string): RunConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  return parseRunConfigFile(text, file);
}

export function parseRunConfigFile(text: string, file: string): RunConfigFile {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigFileError(
      `${file}:${e.linePos?.[0].line ?? '?'}: not valid YAML: ${e.message.split('\n')[0]}`,
    );
  }
  const out: RunConfigFile = { file, request: {} };
  if (doc.contents === null || doc.contents === undefined) return out;
  if (!isMap(doc.contents))
    throw new ConfigFileError(`${at(doc.contents)}: expected sections (roots:, caption:, …)`);
  const sections = Object.keys(CONFIG_SECTIONS);
  for (const pair of doc.contents.items) {
    const sectionKey = isScalar(pair.key) ? String(pair.key.value) : '';
    const where = at(pair.key as Node);
    if (sectionKey === 'roots') {
      const value = (pair.value as Node | null)?.toJSON() as unknown;
      const roots = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(roots) || !roots.every((r) => typeof r === 'string' && r.trim()))
        throw new ConfigFileError(`${where}: roots must be a list of folders`);
      out.roots = roots.map((r: string) => path.resolve(path.dirname(file), r));
      continue;
    }
    if (!sections.includes(sectionKey)) {
      throw new ConfigFileError(
        `${where}: unknown section "${sectionKey}"; use roots, ${sections.join(', ')}`,
      );
    }
    const section = sectionKey as ConfigSection;
    if (pair.value === null || pair.value === undefined) continue;
    if (!isMap(pair.value)) throw new ConfigFileError(`${at(pair.value as Node)}: ${section} must hold keys`);
    const known = RUN_OPTIONS.filter((o) => o.section === section);
    for (const item of pair.value.items) {
      const key = isScalar(item.key) ? String(item.key.value) : '';
      const option: RunOption | undefined = known.find((o) => o.configKey === key);
      if (!option) {
        throw new ConfigFileError(
          `${at(item.key as Node)}: unknown key ${section}.${key}; ${section} takes ${known.map((o) => o.configKey).join(', ')}`,
        );
      }
      const raw = (item.value as Node | null)?.toJSON() as unknown;
      if (raw === null || raw === undefined) continue;
      try {
        (out.request as Record<string, unknown>)[option.key] = parseOptionValue(option, raw, 'config');
      } catch (err) {
        if (err instanceof OptionValueError)
          throw new ConfigFileError(`${at(item.value as Node)}: ${err.message}`);
        throw err;
      }
    }
  }
  // Files named in the config are relative to it, not to wherever pcc was started.
  for (const option of RUN_OPTIONS.filter((o) => o.isPath)) {
    const value = (out.request as Record<string, unknown>)[option.key];
    if (typeof value === 'string')
      (out.request as Record<string, unknown>)[option.key] = path.resolve(path.dirname(file), value);
  }
  return out;
}

/** `pcc config init`: every option, commented out, with its help and default, by section. */
export function exampleConfigFile(): string {
  const lines = [
    '# pcc.yaml — the options of `pcc run`, kept in a file. Flags on the command line win over it.',
    '# Uncomment what you want to change; every value shown is the default (or an example).',
    '',
    '# roots: [~/Pictures]            # library folders (relative paths: from this file)',
    '',
  ];
  for (const [section, about] of Object.entries(CONFIG_SECTIONS)) {
    lines.push(`# ${section}:`.padEnd(48) + ` # ${about}`);
    for (const o of RUN_OPTIONS.filter((x) => x.section === section)) {
      // The default when there is one (false for switches); otherwise an example, marked so.
      const isDefault = o.default !== undefined || o.type === 'boolean';
      const shown = o.default ?? (o.type === 'boolean' ? false : o.example);
      const value = Array.isArray(shown)
        ? `[${shown.map((v) => JSON.stringify(v)).join(', ')}]`
        : typeof shown === 'string'
          ? JSON.stringify(shown)
          : String(shown);
      const choices = o.choices ? ` (${o.choices.join(' | ')})` : '';
      const note = isDefault ? '' : 'e.g.; ';
      lines.push(`#   ${o.configKey}: ${value}`.padEnd(48) + ` # ${note}${o.help}${choices}; --${o.flag}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
