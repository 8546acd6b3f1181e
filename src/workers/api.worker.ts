// Entry for a process that serves the cloud-provider queues (pcc-api-*): `node dist/workers/api.worker.js`.
import { startRoles } from './start-role';

startRoles(['api-openai', 'api-anthropic', 'api-gemini', 'api-xai']).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
