// The sandbox world's owner process (sandbox/owner-process.ts): `sandbox-owner WORLD_DIR [LATENCY]`.
// Loads the sandbox as the CLI does, from its bundled copy with V8's code cache when there is one.
import { loadSandbox } from '../cli/bundled-module.js';

const { serveAsOwnerProcess, startSandbox } = await loadSandbox();
await serveAsOwnerProcess(process.argv.slice(2), startSandbox);
