// The first code a run worker executes (CommonJS, passed as `eval`): register tsx and our module hooks, then
// load the worker's real entry (TypeScript under tsx, JavaScript in the built image). Being a string keeps the
// worker independent of how this repository is built.
export const workerBootstrap = String.raw`
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  (await import(workerData.tsxApiUrl)).register();
  require("node:module").register(workerData.hooksUrl, {
    data: { port: workerData.hooksPort, sdkUrl: workerData.sdkUrl, workspaceUrl: workerData.workspaceUrl, aliasUrl: workerData.aliasUrl },
    transferList: [workerData.hooksPort],
  });
  await import(workerData.mainUrl);
})().catch((error) => {
  parentPort.postMessage({ type: "boot-failed", message: String(error && error.stack || error) });
});
`;
