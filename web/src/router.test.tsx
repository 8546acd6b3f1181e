import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('hash routes', () => {
  it('round-trips pages, ids and parameters', () => {
    const to = href('clusters', 12, { run: 'abc-1', q: undefined });
    expect(to).toBe('#/clusters/12?run=abc-1');
    const route = parseRoute(to);
    expect(route).toMatchObject({ page: 'clusters', id: '12' });
    expect(route.params.get('run')).toBe('abc-1');
    expect(parseRoute('').page).toBe('clusters');
    expect(parseRoute('#/photos/5').id).toBe('5');
  });
});
