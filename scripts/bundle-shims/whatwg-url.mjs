// Stands in for whatwg-url in the bundled CLI. node-fetch 2 (through @kubernetes/client-node)
// requires it at load, then uses Node's own URL whenever it exists (`Url.URL || whatwgUrl.URL`),
// which it always does on Node 20; loading it anyway parsed tr46's 266 kB mapping table per run.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
