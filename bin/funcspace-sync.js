#!/usr/bin/env node
// Shim for the `funcspace-sync` command: runs the TypeScript entry point through tsx (no build step).
import { register } from "tsx/esm/api";

register();
await import("./funcspace-sync.ts");
