import { fileURLToPath } from 'node:url';

/**
 * The `kingly` executable, which the local stack runs as its daemons. Resolved from this file's
 * place at the package's top level of dist/, where the bundled chunks also live.
 */
export const KINGLY_BIN = fileURLToPath(new URL('../bin/kingly.js', import.meta.url));
