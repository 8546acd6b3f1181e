import picomatch from 'picomatch';

/**
 * Matcher for local-only globs (relative to a library root): a glob naming a folder covers
 * everything below it, so `Family` and `Family/**` mean the same.
 */
export function localOnlyMatcher(globs: string[]): (relPath: string) => boolean {
  if (!globs.length) return () => false;
  const match = picomatch(globs, { dot: true, nocase: true });
  return (relPath) => {
    const parts = relPath.split('/');
    for (let i = 1; i <= parts.length; i++) if (match(parts.slice(0, i).join('/'))) return true;
    return false;
  };
}
