import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { ClusterChip, KeywordChip } from './Chip';
import { Thumb } from './Thumb';
import type { Chip } from '../types';

const chip = (over: Partial<Chip> = {}): Chip => ({
  cluster: 3,
  layer: 'AI',
  term: 'statue',
  path: 'AI|statue',
  members: 9,
  photos: 7,
  approved: 0,
  proposed: 7,
  rejected: 0,
  score: 0.314,
  sources: ['vision:openai/gpt-4.1-mini', 'caption'],
  ...over,
});

describe('ClusterChip', () => {
  it('shows the term, its share of the cluster and its best score; sources on hover', () => {
    render(<ClusterChip chip={chip()} />);
    const el = screen.getByText('statue').parentElement!;
    expect(el.textContent).toContain('7/9');
    expect(el.textContent).toContain('0.31');
    expect(el.getAttribute('title')).toMatch(/vision:openai\/gpt-4.1-mini, caption/);
    expect(el.className).toContain('proposed');
  });

  it('marks approved and rejected chips, and mixed ones by neither', () => {
    const { rerender } = render(<ClusterChip chip={chip({ approved: 7, proposed: 0 })} />);
    expect(screen.getByText('✓')).toBeTruthy();
    rerender(<ClusterChip chip={chip({ rejected: 7, proposed: 0 })} />);
    expect(screen.getByText('✗')).toBeTruthy();
    rerender(<ClusterChip chip={chip({ approved: 3, proposed: 4 })} />);
    expect(screen.queryByText('✓')).toBeNull();
  });

  it('is a toggle button when selectable', () => {
    const onToggle = vi.fn();
    render(<ClusterChip chip={chip()} selected onToggle={onToggle} />);
    const button = screen.getByRole('button');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(button);
    expect(onToggle).toHaveBeenCalledOnce();
  });

  it('a photo keyword names every source with its score, cluster and original word', () => {
    render(
      <KeywordChip
        keyword={{
          photoId: 1,
          layer: 'AI',
          term: 'Car',
          path: 'Vehicles|Car',
          state: 'approved',
          decidedBy: 'person',
          score: 0.3,
          sources: [
            { source: 'caption', sourceKind: 'caption', score: 0.3, mappedFrom: 'auto' },
            { source: 'user', sourceKind: 'user', fromCluster: 2 },
          ],
        }}
      />,
    );
    const title = screen.getByText('Car').parentElement!.getAttribute('title')!;
    expect(title).toMatch(/Vehicles\|Car · approved \(person\)/);
    expect(title).toMatch(/caption 0.300 from “auto”/);
    expect(title).toMatch(/user \(cluster 2\)/);
  });
});

describe('Thumb', () => {
  it('keeps a private photo blurred until clicked', () => {
    const { container } = render(<Thumb sha1={'a'.repeat(40)} alt="x.jpg" private />);
    const box = container.querySelector('.thumb')!;
    expect(box.className).toContain('blurred');
    expect(screen.getByText(/private · click to show/)).toBeTruthy();
    fireEvent.click(box);
    expect(box.className).not.toContain('blurred');
    expect(container.querySelector('img')!.getAttribute('src')).toBe(`thumbnails/${'a'.repeat(40)}`);
  });
});
