import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ClusterPage } from './ClusterPage';
import type { ClusterDetail } from '../types';

const detail: ClusterDetail = {
  runId: 'run-1',
  id: 3,
  label: 'A marble statue in Venice',
  labelSource: 'caption',
  size: 2,
  private: false,
  nsfwReview: 0,
  dateUncertain: 0,
  folder: 'Venice',
  next: 4,
  chips: [
    {
      cluster: 3,
      layer: 'AI',
      term: 'statue',
      path: 'AI|statue',
      members: 2,
      photos: 2,
      approved: 0,
      proposed: 2,
      rejected: 0,
      score: 0.31,
      sources: ['caption'],
    },
    {
      cluster: 3,
      layer: 'AI',
      term: 'dog',
      path: 'AI|dog',
      members: 2,
      photos: 1,
      approved: 0,
      proposed: 1,
      rejected: 0,
      score: 0.12,
      sources: ['vision:x/y'],
    },
  ],
  members: [
    {
      photoId: 10,
      sha1: 'a'.repeat(40),
      relPath: 'Venice/a.jpg',
      private: false,
      distance: 0,
      caption: 'A statue.',
      keywords: [],
    },
    {
      photoId: 11,
      sha1: 'b'.repeat(40),
      relPath: 'Venice/b.jpg',
      private: true,
      distance: 0.1,
      keywords: [],
    },
  ],
  targets: [{ id: 4, label: 'Canal', size: 5 }],
};

function mockApi() {
  const calls: Array<{ method: string; url: string; body?: unknown }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({
        method: init?.method ?? 'GET',
        url,
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      });
      const payload = (init?.method ?? 'GET') === 'GET' ? detail : { outcomes: [] };
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

describe('ClusterPage', () => {
  it('approves a selected chip for the whole cluster (the default)', async () => {
    const calls = mockApi();
    const onDecided = vi.fn();
    render(<ClusterPage runId="run-1" id={3} onDecided={onDecided} onUndo={() => undefined} />);
    await screen.findByText('A marble statue in Venice');
    fireEvent.click(screen.getByText('statue').closest('button')!);
    fireEvent.click(screen.getByRole('button', { name: /Approve 1/ }));
    await waitFor(() => expect(onDecided).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      url: 'runs/run-1/decisions',
      body: { action: 'approve', layer: 'AI', term: 'statue', cluster: 3 },
    });
  });

  it('with apply-to-cluster off, rejects for the selected photos only', async () => {
    const calls = mockApi();
    render(<ClusterPage runId="run-1" id={3} onDecided={() => undefined} onUndo={() => undefined} />);
    await screen.findByText('A marble statue in Venice');
    fireEvent.click(screen.getByLabelText('apply to cluster', { exact: false }));
    fireEvent.click(screen.getByLabelText('select Venice/b.jpg'));
    fireEvent.click(screen.getByText('dog').closest('button')!);
    fireEvent.click(screen.getByRole('button', { name: /Reject 1/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      action: 'reject',
      layer: 'AI',
      term: 'dog',
      photoIds: [11],
      applyToCluster: false,
    });
  });

  it('"select all over" picks the chips at or above the threshold', async () => {
    mockApi();
    render(<ClusterPage runId="run-1" id={3} onDecided={() => undefined} onUndo={() => undefined} />);
    await screen.findByText('A marble statue in Venice');
    fireEvent.change(screen.getByLabelText('score threshold'), { target: { value: '0.3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Select all over' }));
    expect(screen.getByText('statue').closest('button')!.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('dog').closest('button')!.getAttribute('aria-pressed')).toBe('false');
  });

  it('shows the API error instead of a blank page', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ message: 'run x has no cluster 3' }), { status: 404 })),
    );
    render(<ClusterPage runId="run-1" id={3} onDecided={() => undefined} onUndo={() => undefined} />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/run x has no cluster 3/);
  });
});
