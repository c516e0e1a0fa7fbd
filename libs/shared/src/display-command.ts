/** A one-line, printable form of the command (argv joined, for display only). Free of zod, as @kingly/cmd/lite needs. */
export const displayCommand = (spec: { readonly command?: string; readonly argv?: readonly string[] }): string =>
  spec.command ?? (spec.argv ?? []).join(' ');
