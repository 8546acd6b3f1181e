// Entry for a process that serves only the pcc-cpu task queue: `node dist/workers/cpu.worker.js`.
import { startRoles } from './start-role';

startRoles(['cpu']).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
