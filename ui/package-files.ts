import { join } from 'node:path';
import { packageRoot } from '../kernel/package-root.js';

/** The browser assets and the docs are served from the package itself, never from a CDN. */
export const assetsDir = (): string => join(packageRoot(), 'ui', 'assets');
export const docsDir = (): string => join(packageRoot(), 'docs');
