// node-forge's lib files, imported one by one in forge-x509.ts (@types/node-forge types the index only).
declare module 'node-forge/lib/forge.js' {
  const forge: unknown;
  export default forge;
}
declare module 'node-forge/lib/x509.js';
declare module 'node-forge/lib/sha256.js';
