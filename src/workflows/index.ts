// Entry point bundled into the workflow sandbox: workflows only, activities by type only.
export { libraryRun } from './library-run';
export { processBatch } from './process-batch';
export { writeSidecarsRun } from './write-sidecars';
