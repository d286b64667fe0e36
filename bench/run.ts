// `npm run bench`: runs every bench/<name>/bench.ts in turn, each in its own process (so one bench's memory
// and open handles never colour the next), and passes on flags such as --write.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
const names = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/bench.ts`))
  .map((d) => d.name)
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

let failed = 0;
for (const name of names) {
  console.log(`\n## bench/${name}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `${root}${name}/bench.ts`, ...flags], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
