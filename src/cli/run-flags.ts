/** The flags of `pcc run` (and the re-clustering flags of `pcc report`), from the option table. */
import type { Command } from 'commander';
import { OptionValueError, parseOptionValue, RUN_OPTIONS, type RunOption } from '../runs/run-options';
import type { RunRequest } from '../runs/run-request';
import { UsageError } from './context';

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function helpOf(o: RunOption): string {
  const extra = [o.choices ? o.choices.join(', ') : '', o.default !== undefined ? `default ${o.default}` : '']
    .filter(Boolean)
    .join('; ');
  return extra ? `${o.help} (${extra})` : o.help;
}

/** Registers the table's flags; no commander defaults, so a config file can fill what is not given. */
export function addRunFlags(command: Command, which: (o: RunOption) => boolean = () => true): Command {
  for (const o of RUN_OPTIONS.filter(which)) {
    if (o.type === 'boolean') command.option(`--${o.flag}`, helpOf(o));
    else if (o.type === 'list') command.option(`--${o.flag} <value>`, `${helpOf(o)}; repeatable`, collect);
    else command.option(`--${o.flag} <value>`, helpOf(o));
  }
  return command;
}

/** The flags given, as request fields (types and choices checked); absent flags stay absent. */
export function requestFromFlags(
  opts: Record<string, unknown>,
  which: (o: RunOption) => boolean = () => true,
): Partial<RunRequest> {
  const request: Partial<RunRequest> = {};
  for (const o of RUN_OPTIONS.filter(which)) {
    const raw = opts[camel(o.flag)];
    if (raw === undefined) continue;
    try {
      (request as Record<string, unknown>)[o.key] = parseOptionValue(o, raw, 'flag');
    } catch (err) {
      if (err instanceof OptionValueError) throw new UsageError(err.message);
      throw err;
    }
  }
  return request;
}

/** The clustering and vocabulary flags `pcc report` shares with `pcc run`. */
export const isReportFlag = (o: RunOption) => Boolean(o.report);
