// The least any syncer must do on a share, timed in a process of its own (bench/sync, SMB rows): create, write
// and close each file of a folder tree (its folders made once), then stat each file, with `concurrency` calls in
// flight (UV_THREADPOOL_SIZE is raised to match by the caller). No staging, no rename, no hashing, no manifest.
// Usage: node share-floor.mjs SOURCE_DIR TARGET_DIR CONCURRENCY → one JSON line { files, writeMs, statMs }.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";

const [source, target, concurrencyText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);

const files = [];
async function collect(relative) {
  for (const entry of await readdir(path.join(source, relative), { withFileTypes: true })) {
    if (entry.name === ".git") continue;
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await collect(child);
    else if (entry.isFile()) files.push({ path: child, content: await readFile(path.join(source, child)) });
  }
}
await collect("");

async function each(fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < files.length) await fn(files[next++]);
  }));
}

const folders = new Map();
const folder = (relative) => {
  const dir = path.dirname(path.join(target, relative));
  let made = folders.get(dir);
  if (!made) folders.set(dir, (made = mkdir(dir, { recursive: true })));
  return made;
};
let start = performance.now();
await each(async (file) => {
  await folder(file.path);
  await writeFile(path.join(target, file.path), file.content, { flag: "wx" });
});
const writeMs = performance.now() - start;
start = performance.now();
await each((file) => stat(path.join(target, file.path)));
const statMs = performance.now() - start;
console.log(JSON.stringify({ files: files.length, writeMs, statMs }));
