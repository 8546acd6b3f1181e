import { ConfigError, readConfig } from '../src/config';
import { PathMap, mapPathFields, parsePathMap } from '../src/workers/path-map';

describe('--path-map (workers on other machines)', () => {
  const map = new PathMap(
    parsePathMap(['/photos=/mnt/nas/photos', '/photos/2019=/mnt/fast/2019', '/var/lib/pcc=/mnt/pcc'], 'test'),
  );

  it('maps whole path components, longest FROM first, and back again', () => {
    expect(map.toLocal('/photos/2018/a.jpg')).toBe('/mnt/nas/photos/2018/a.jpg');
    expect(map.toLocal('/photos/2019/a.jpg')).toBe('/mnt/fast/2019/a.jpg');
    expect(map.toLocal('/photos-old/a.jpg')).toBe('/photos-old/a.jpg');
    expect(map.toLocal('/photos')).toBe('/mnt/nas/photos');
    expect(map.toShared('/mnt/pcc/staging/embeddings/r/00001-image.f32')).toBe(
      '/var/lib/pcc/staging/embeddings/r/00001-image.f32',
    );
    expect(map.toShared('/elsewhere/x')).toBe('/elsewhere/x');
  });

  it('rewrites only path fields of a payload: a caption that looks like a path stays as it is', () => {
    const input = {
      runId: 'r',
      photos: [{ photoId: 1, proxyPath: '/var/lib/pcc/proxies/ab/ab12.jpg' }],
      captions: [{ photoId: 1, text: '/photos/2019/a.jpg on a beach' }],
      files: ['/photos/2018/a.jpg', '/var/lib/pcc/proxies/ab/ab12.jpg'],
      settings: { stagingDir: '/var/lib/pcc/staging', imageModel: 'm' },
    };
    expect(mapPathFields(input, (p) => map.toLocal(p))).toEqual({
      runId: 'r',
      photos: [{ photoId: 1, proxyPath: '/mnt/pcc/proxies/ab/ab12.jpg' }],
      captions: [{ photoId: 1, text: '/photos/2019/a.jpg on a beach' }],
      files: ['/mnt/nas/photos/2018/a.jpg', '/mnt/pcc/proxies/ab/ab12.jpg'],
      settings: { stagingDir: '/mnt/pcc/staging', imageModel: 'm' },
    });
    expect(input.photos[0].proxyPath).toBe('/var/lib/pcc/proxies/ab/ab12.jpg'); // a copy, not in place
  });

  it('PCC_PATH_MAP takes ;-separated FROM=TO pairs of absolute paths (commas belong to paths)', () => {
    expect(readConfig({ PCC_PATH_MAP: '/a, b=/mnt/a, b; /var/lib/pcc=/mnt/pcc' }).pathMap).toEqual([
      { from: '/a, b', to: '/mnt/a, b' },
      { from: '/var/lib/pcc', to: '/mnt/pcc' },
    ]);
    expect(() => readConfig({ PCC_PATH_MAP: 'photos=/mnt/photos' })).toThrow(ConfigError);
    expect(() => readConfig({ PCC_PATH_MAP: '/photos' })).toThrow(/FROM=TO with two absolute paths/);
  });
});
