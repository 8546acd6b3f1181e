// Entry for a process that serves only the pcc-io task queue: `node dist/workers/io.worker.js`.
import { startRoles } from './start-role';

startRoles(['io']).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
