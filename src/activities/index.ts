import type { ActivityDeps } from './context';
import { createScanActivities } from './scan';
import { createLoadActivities } from './load';
import { createCaptionActivities } from './caption';
import { createPersistActivities } from './persist';
import { createDateActivities } from './dates';
import { createEmbedActivities, createEmbedPersistActivities } from './embed';
import { createClusterActivities, createStageClusterActivities } from './cluster';
import { createVocabularyActivities } from './vocabulary';
import { createPeopleActivities } from './people';
import { createReportActivities } from './reports';
import {
  createKeywordComputeActivities,
  createKeywordIoActivities,
  createPrivacyComputeActivities,
  createTextComputeActivities,
} from './keywords';
import { createWriteActivities } from './write';

/** Activities hosted by io workers: everything that touches the library files or the catalog. */
export function createIoActivities(deps: ActivityDeps) {
  return {
    ...createScanActivities(deps),
    ...createLoadActivities(deps),
    ...createPersistActivities(deps),
    ...createDateActivities(deps),
    ...createEmbedPersistActivities(deps),
    ...createStageClusterActivities(deps),
    ...createReportActivities(deps),
    ...createKeywordIoActivities(deps),
    ...createWriteActivities(deps),
  };
}

/** Activities hosted by compute workers (cpu, gpu, api-*): stateless, they never write the catalog. */
export function createComputeActivities(deps: ActivityDeps) {
  return {
    ...createCaptionActivities(),
    ...createEmbedActivities(deps),
    ...createClusterActivities(),
    ...createVocabularyActivities(deps),
    ...createPeopleActivities(deps),
    ...createKeywordComputeActivities(deps),
    ...createPrivacyComputeActivities(),
    ...createTextComputeActivities(),
  };
}

export type IoActivities = ReturnType<typeof createIoActivities>;
export type ComputeActivities = ReturnType<typeof createComputeActivities>;
