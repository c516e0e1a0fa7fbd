// A static named import, loaded on demand (only --tasks FILE.yaml needs it): in the bundled CLI a
// dynamic import('yaml') of this CommonJS package holds only `default`, so `.parse` was undefined.
export { parse as parseYaml } from 'yaml';
