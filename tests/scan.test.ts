import fs from 'node:fs';
import path from 'node:path';
import { walkLibrary, type FoundFile, type WalkProblem } from '../src/library/walk';
import { classifyFile, formatOf } from '../src/library/formats';
import { tempDir } from './helpers/fixtures';

async function walk(roots: string[], include: string[] = [], exclude: string[] = []) {
  const files: FoundFile[] = [];
  const problems: WalkProblem[] = [];
  for await (const f of walkLibrary(roots, { include, exclude }, (p) => problems.push(p))) files.push(f);
  return { files, problems };
}

function touch(root: string, rel: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), rel);
}

describe('library scan', () => {
  it('classifies images, camera RAW, videos and sidecars by extension, case-insensitively', () => {
    for (const ext of ['jpg', 'JPEG', 'png', 'webp', 'avif', 'gif', 'tif', 'tiff', 'HEIC', 'heif', 'jxl']) {
      expect(classifyFile(`a.${ext}`)).toBe('image');
    }
    for (const ext of ['dng', 'CR2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf'])
      expect(classifyFile(`a.${ext}`)).toBe('raw');
    for (const ext of ['mp4', 'MOV', 'm4v']) expect(classifyFile(`a.${ext}`)).toBe('video');
    for (const ext of ['xmp', 'AAE']) expect(classifyFile(`a.${ext}`)).toBe('sidecar');
    expect(classifyFile('notes.txt')).toBe('other');
    expect(formatOf('A.JPEG')).toBe('jpg');
    expect(formatOf('b.tif')).toBe('tiff');
  });

  it('walks several roots in sorted order with rel paths relative to each root', async () => {
    const a = tempDir();
    const b = tempDir();
    touch(a, 'z.jpg');
    touch(a, '2024/01/b.jpg');
    touch(a, '2024/01/a.jpg');
    touch(b, 'x.png');
    const { files } = await walk([a, b]);
    expect(files.map((f) => [f.root, f.relPath])).toEqual([
      [a, '2024/01/a.jpg'],
      [a, '2024/01/b.jpg'],
      [a, 'z.jpg'],
      [b, 'x.png'],
    ]);
  });

  it('applies include and exclude globs (folders excluded whole)', async () => {
    const root = tempDir();
    for (const f of ['keep/a.jpg', 'keep/b.png', 'skip/c.jpg', 'keep/.thumbnails/d.jpg', 'e.jpg'])
      touch(root, f);
    const { files } = await walk([root], ['**/*.jpg'], ['skip', '**/.thumbnails/**']);
    expect(files.map((f) => f.relPath)).toEqual(['e.jpg', 'keep/a.jpg']);
  });

  it('follows symlinks but ends on symlink cycles, and reports broken links instead of failing', async () => {
    const root = tempDir();
    touch(root, 'photos/a.jpg');
    fs.symlinkSync(root, path.join(root, 'photos', 'loop'));
    fs.symlinkSync(path.join(root, 'photos'), path.join(root, 'again'));
    fs.symlinkSync(path.join(root, 'missing.jpg'), path.join(root, 'dangling.jpg'));
    const { files, problems } = await walk([root]);
    // 'again' sorts first and leads to the same folder: the photo is found once, by whichever path comes first.
    expect(files.map((f) => f.relPath)).toEqual(['again/a.jpg']);
    expect(problems).toEqual([
      expect.objectContaining({
        absPath: path.join(root, 'dangling.jpg'),
        reason: expect.stringMatching(/broken symlink/),
      }),
    ]);
  });

  it('reports an unreadable root as a problem, not a crash', async () => {
    const { files, problems } = await walk(['/no/such/root']);
    expect(files).toEqual([]);
    expect(problems[0].reason).toMatch(/ENOENT/);
  });
});
