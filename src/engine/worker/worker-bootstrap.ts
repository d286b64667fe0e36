// The first code a run worker executes (CommonJS, passed as `eval`): register tsx and our module hooks, then
// load the worker's real entry (TypeScript under tsx, JavaScript in the built image). Being a string keeps the
// worker independent of how this repository is built. A draft run's worker registers the overlay's load hook
// first, so that it comes after tsx in the chain (overlay-hooks.ts says why).
export const workerBootstrap = String.raw`
const { workerData, parentPort } = require("node:worker_threads");
const { register } = require("node:module");
(async () => {
  const overlay = workerData.overlay;
  if (overlay) register(workerData.overlayHooksUrl, { data: { files: overlay } });
  (await import(workerData.tsxApiUrl)).register();
  register(workerData.hooksUrl, {
    data: {
      port: workerData.hooksPort,
      sdkUrl: workerData.sdkUrl,
      workspaceUrl: workerData.workspaceUrl,
      aliasUrl: workerData.aliasUrl,
      overlay: overlay && new Map([...overlay].map(([file, content]) => [file, content !== null])),
    },
    transferList: [workerData.hooksPort],
  });
  await import(workerData.mainUrl);
})().catch((error) => {
  parentPort.postMessage({ type: "boot-failed", message: String(error && error.stack || error) });
});
`;
