/**
 * The part of node-forge the sandbox uses: X.509 layout (with RSA keys read from PEM) and SHA-256.
 * `import forge from 'node-forge'` loads all of forge (its TLS, ciphers, PKCS#12, SSH...), which
 * every fresh sandbox world paid for at start-up. Each lib file adds itself to the shared object.
 */
import forge from 'node-forge/lib/forge.js';
import 'node-forge/lib/x509.js';
import 'node-forge/lib/sha256.js';

export default forge as typeof import('node-forge');
