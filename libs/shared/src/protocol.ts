/**
 * Version of the Redis protocol described in docs/protocol.md (keys, record fields, log and event
 * stream fields, transitions). Workers write it to `keys.protocol` at start, so a program that reads
 * kingly's keys without `@kingly/cmd` can check it speaks the same layout. Raise it with any change
 * such a program would notice, and say what changed in docs/protocol.md.
 */
export const PROTOCOL_VERSION = 4;
