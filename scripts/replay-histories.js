// Replays recorded workflow histories (Temporal's JSON, as `temporal workflow show --output json`
// writes it) against the built workflow bundle; exits 1 if any would not replay deterministically.
// Usage: node scripts/replay-histories.js [dir] (default tests/fixtures/histories). Runs outside
// jest: protobufjs types do not survive jest's module sandbox.
const fs = require('node:fs');
const path = require('node:path');
const { DefaultLogger, Runtime, Worker } = require('@temporalio/worker');

Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * Temporal's JSON history → History. Not `historyFromJSON` from @temporalio/common: with
 * protobufjs 7 at the top of node_modules (for @google/genai and onnxruntime-web), each
 * @temporalio package gets its own copy of protobufjs 8, and common's protojson then rejects
 * @temporalio/proto's types ("type must be a Type"). The same conversion with proto's own copy works.
 */
function historyFromJson(json) {
  const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
  const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] }));
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
  const type = patchProtobufRoot(require('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
  const history = fromJson(type, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a Temporal history');
  return history;
}

(async () => {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'tests', 'fixtures', 'histories'));
  const bundle = path.join(__dirname, '..', 'dist', 'workflow-bundle.js');
  // index.json: file → the workflow id it was recorded under (child ids derive from it).
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const files = Object.keys(index).sort();
  if (!files.length) throw new Error(`no histories in ${dir}`);
  const workflowBundle = { code: fs.readFileSync(bundle, 'utf8') };
  let failed = 0;
  for (const file of files) {
    try {
      const history = historyFromJson(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle, replayName: file }, history, index[file]);
      console.log(`ok      ${file}`);
    } catch (err) {
      failed++;
      console.log(`FAILED  ${file}: ${err.name}: ${String(err.message).split('\n')[0]}`);
    }
  }
  console.log(`${files.length - failed} replayed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
