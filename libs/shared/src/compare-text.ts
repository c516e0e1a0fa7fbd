/**
 * Orders strings by UTF-16 code unit, as `<` does. Used instead of `localeCompare` for ISO
 * timestamps and job ids: they need no collation, and the first `localeCompare` of a process
 * loads ICU's collator, about 10 ms of a CLI command's start (see docs/benchmarks.md, CLI).
 */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
