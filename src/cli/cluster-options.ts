/** The clustering and vocabulary flags `pcc run --cluster` and `pcc report` share. */
import type { Command } from 'commander';
import type { RunRequest } from '../shared/run-request';
import { toInt, toNumber } from './context';

export interface ClusterFlags {
  clusterMode?: string;
  clusterSpace?: string;
  minClusterSize?: string;
  minSamples?: string;
  clusterSeed?: string;
  clusterThreshold?: string;
  windowMinutes?: string;
  vocabulary?: string;
  topK?: string;
  tagThreshold?: string;
  template?: string;
}

export const CLUSTER_FLAGS: ReadonlyArray<keyof ClusterFlags> = [
  'clusterMode',
  'clusterSpace',
  'minClusterSize',
  'minSamples',
  'clusterSeed',
  'clusterThreshold',
  'windowMinutes',
  'vocabulary',
  'topK',
  'tagThreshold',
  'template',
];

export function addClusterOptions(command: Command): Command {
  return command
    .option('--cluster-mode <mode>', 'umap-hdbscan (default), cosine-threshold or time-window')
    .option('--cluster-space <space>', 'embeddings to cluster: image (default), caption or both')
    .option('--min-cluster-size <n>', 'smallest group (default 10 for umap-hdbscan, 2 for the others)')
    .option('--min-samples <n>', 'HDBSCAN core neighbours (default: the min cluster size)')
    .option('--cluster-seed <n>', 'seed: the same seed and embeddings give the same clusters (default 42)')
    .option(
      '--cluster-threshold <cos>',
      'cosine similarity that joins photos (cosine-threshold, time-window)',
    )
    .option('--window-minutes <m>', 'time-window mode: a longer gap between photos starts a new shoot')
    .option('--vocabulary <file>', 'labels to tag with (YAML or one per line), scored zero-shot by CLIP')
    .option('--top-k <n>', 'vocabulary labels kept per photo (default 5)')
    .option('--tag-threshold <p>', 'minimum zero-shot probability for a label to be approved (default 0.1)')
    .option('--template <text>', 'text prompt per label (default "a photo of {label}")');
}

export type ClusterRequestFields = Pick<
  RunRequest,
  | 'clusterMode'
  | 'clusterSpace'
  | 'minClusterSize'
  | 'minSamples'
  | 'clusterSeed'
  | 'clusterThreshold'
  | 'windowMinutes'
  | 'vocabulary'
  | 'vocabularyTopK'
  | 'vocabularyThreshold'
  | 'vocabularyTemplate'
>;

/** The flags as request fields, numbers checked; absent flags stay undefined. */
export function clusterRequestFields(flags: ClusterFlags): ClusterRequestFields {
  return {
    clusterMode: flags.clusterMode,
    clusterSpace: flags.clusterSpace,
    minClusterSize: toInt('--min-cluster-size', flags.minClusterSize),
    minSamples: toInt('--min-samples', flags.minSamples),
    clusterSeed: toInt('--cluster-seed', flags.clusterSeed),
    clusterThreshold: toNumber('--cluster-threshold', flags.clusterThreshold),
    windowMinutes: toNumber('--window-minutes', flags.windowMinutes),
    vocabulary: flags.vocabulary,
    vocabularyTopK: toInt('--top-k', flags.topK),
    vocabularyThreshold: toNumber('--tag-threshold', flags.tagThreshold),
    vocabularyTemplate: flags.template,
  };
}
