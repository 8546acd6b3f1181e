// Entry for a process that serves the cloud-provider queues (pcc-api-*): `node dist/workers/api.worker.js`.
import { startRoles } from './start-role';
import { apiQueueRoles } from '../backends/registry';

// Every provider queue the backend registry names: a new provider needs no change here.
startRoles(apiQueueRoles()).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
