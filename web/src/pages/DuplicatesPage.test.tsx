import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DuplicatesPage } from './DuplicatesPage';
import type { DuplicatesAnswer, DuplicateMember } from '../duplicates-types';

const member = (photoId: number, relPath: string, extra: Partial<DuplicateMember> = {}): DuplicateMember => ({
  photoId,
  sha1: String(photoId).repeat(40).slice(0, 40),
  format: 'jpg',
  paths: [{ absPath: `/lib/${relPath}`, relPath, root: '/lib', size: 1000, mtimeMs: photoId }],
  width: 800,
  height: 600,
  size: 1000,
  private: false,
  ...extra,
});

const answer: DuplicatesAnswer = {
  scope: { runId: 'run-1' },
  thresholds: {},
  photos: 10,
  withHash: 10,
  withVector: 10,
  withTime: 2,
  counts: { exact: 1, exactPaths: 2, identical: 1, burst: 0 },
  groups: [
    {
      id: 'exact-1',
      kind: 'exact',
      reason: 'the same bytes at 2 paths',
      members: [
        {
          ...member(1, 'a.jpg'),
          paths: [
            { absPath: '/lib/a.jpg', relPath: 'a.jpg', root: '/lib', size: 1000, mtimeMs: 1 },
            {
              absPath: '/lib/<b>copy</b>.jpg',
              relPath: '<b>copy</b>.jpg',
              root: '/lib',
              size: 1000,
              mtimeMs: 2,
            },
          ],
        },
      ],
      suggestedKeeper: { photoId: 1, absPath: '/lib/a.jpg' },
    },
    {
      id: 'identical-2',
      kind: 'identical',
      reason: 'dHash 2 bits, cosine 0.991',
      members: [member(2, 'big.jpg'), member(3, 'small.jpg', { width: 400, height: 300 })],
      suggestedKeeper: { photoId: 2, absPath: '/lib/big.jpg' },
    },
  ],
  notes: [],
  seconds: 0.1,
  total: 2,
  offset: 0,
  limit: 200,
};

function mockApi() {
  const calls: Array<{ method: string; url: string; body?: unknown }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, number[]>) : undefined;
      calls.push({ method: init?.method ?? 'GET', url, body });
      const payload =
        url === 'duplicates/marks'
          ? {
              kept: body?.keep ?? [],
              discarded: body?.discard ?? [],
              keywordAdded: body?.discard ?? [],
              keywordWithdrawn: [],
            }
          : url === 'duplicates/unmark'
            ? { unmarked: body?.photoIds ?? [], notMarked: [], keywordWithdrawn: [] }
            : answer;
      return new Response(JSON.stringify(payload), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('DuplicatesPage', () => {
  it('shows groups with badges, reasons and paths as text, and says nothing is deleted', async () => {
    mockApi();
    render(<DuplicatesPage runId="run-1" onSaid={() => undefined} />);
    await screen.findByText('dHash 2 bits, cosine 0.991');
    expect(screen.getByRole('note').textContent).toContain('Nothing here deletes, moves or renames a file');
    // A name is text, never markup (shown with its folders apart, so the whole path is the <code>'s text).
    expect(
      screen.getByText((_, el) => el?.tagName === 'CODE' && el.textContent === '<b>copy</b>.jpg'),
    ).toBeTruthy();
    expect(document.querySelector('.dup-paths b')).toBeNull();
    expect(screen.getByText('exact copy')).toBeTruthy();
    expect(screen.getByText('suggested keeper')).toBeTruthy();
    // Exact copies are one photo: no per-photo buttons there, only in the identical group.
    expect(screen.getAllByRole('button', { name: 'Discard' })).toHaveLength(2);
  });

  it('"keep suggested" keeps the keeper and discards the rest, with the keyword when ticked', async () => {
    const calls = mockApi();
    const onSaid = vi.fn();
    render(<DuplicatesPage runId="run-1" onSaid={onSaid} />);
    await screen.findByText('dHash 2 bits, cosine 0.991');
    fireEvent.click(screen.getByLabelText('add the AI|duplicate keyword', { exact: false }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep suggested' }));
    await waitFor(() => expect(onSaid).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      url: 'duplicates/marks',
      body: { keep: [2], discard: [3], keyword: true, kind: 'identical', client: 'studio' },
    });
    expect(onSaid.mock.calls[0][0]).toMatch(/No file was touched/);
    expect(screen.getAllByRole('button', { name: 'Discard' })[1].getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getAllByRole('button', { name: 'Clear' })[1]);
    await waitFor(() => expect(calls.some((c) => c.url === 'duplicates/unmark')).toBe(true));
    expect(calls.find((c) => c.url === 'duplicates/unmark')!.body).toEqual({ photoIds: [3] });
  });
});
