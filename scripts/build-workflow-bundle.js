// Prebuilds the workflow bundle so workers start in well under a second (Temporal's production habit).
const { bundleWorkflowCode } = require('@temporalio/worker');
const fs = require('node:fs');
const path = require('node:path');

(async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(path.join(__dirname, '..', 'dist', 'workflows')),
    logger: { log() {}, info() {}, warn: console.warn, error: console.error, debug() {}, trace() {} },
  });
  fs.writeFileSync(path.join(__dirname, '..', 'dist', 'workflow-bundle.js'), code);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
