import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A 2×2 JPEG: enough for a model to run once when verifying it.
const PROBE = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAACAAIBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==',
  'base64',
);

/** Writes the probe image once and returns its path. */
export function SAMPLE_PROBE_JPEG(): string {
  const file = path.join(os.tmpdir(), 'pcc-probe.jpg');
  if (!fs.existsSync(file)) fs.writeFileSync(file, PROBE);
  return file;
}
