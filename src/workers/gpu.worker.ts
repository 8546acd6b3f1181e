// Entry for a process that serves only the pcc-gpu task queue: `node dist/workers/gpu.worker.js`.
import { startRoles } from './start-role';

startRoles(['gpu']).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
