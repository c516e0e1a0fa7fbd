/** Longest line kept whole; longer ones are cut into pieces of at most this many bytes. */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Back up from `end` so a cut never falls inside a UTF-8 sequence. */
function utf8Boundary(buffer: Buffer, end: number): number {
  let cut = end;
  // Continuation bytes are 10xxxxxx; step back to the start of the character (at most 3 bytes).
  while (cut > end - 4 && cut > 0 && (buffer[cut]! & 0xc0) === 0x80) cut -= 1;
  return cut > 0 ? cut : end;
}

/**
 * Turns a byte stream into lines: splits on \n (dropping a trailing \r), keeps a partial line
 * until its end comes or flush() is called, cuts lines over MAX_LINE_BYTES, and decodes UTF-8
 * with invalid bytes replaced by U+FFFD.
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  readonly #emit: (line: string) => void;
  readonly #maxBytes: number;

  constructor(emit: (line: string) => void, maxBytes = MAX_LINE_BYTES) {
    this.#emit = emit;
    this.#maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      let end = newline;
      if (this.#pendingBytes === 0 && end - start <= this.#maxBytes + 1) {
        // The usual line, whole in this chunk: decoded in place, without a Buffer view per line.
        if (end > start && chunk[end - 1] === CR) end -= 1;
        if (end - start <= this.#maxBytes) {
          this.#emit(chunk.toString('utf8', start, end));
          start = newline + 1;
          continue;
        }
      }
      this.#emitBytes(this.#takePending(chunk.subarray(start, newline)));
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#maxBytes) this.#cutLongPending();
    }
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.#pendingBytes > 0) this.#emitBytes(this.#takePending(Buffer.alloc(0)));
  }

  #takePending(tail: Buffer): Buffer {
    if (this.#pendingBytes === 0) return tail;
    const whole = Buffer.concat([...this.#pending, tail]);
    this.#pending = [];
    this.#pendingBytes = 0;
    return whole;
  }

  #cutLongPending(): void {
    let rest = this.#takePending(Buffer.alloc(0));
    while (rest.length > this.#maxBytes) {
      const cut = utf8Boundary(rest, this.#maxBytes);
      this.#emit(rest.subarray(0, cut).toString('utf8'));
      rest = rest.subarray(cut);
    }
    if (rest.length > 0) {
      this.#pending = [rest];
      this.#pendingBytes = rest.length;
    }
  }

  #emitBytes(bytes: Buffer): void {
    let line = bytes;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    while (line.length > this.#maxBytes) {
      const cut = utf8Boundary(line, this.#maxBytes);
      this.#emit(line.subarray(0, cut).toString('utf8'));
      line = line.subarray(cut);
    }
    this.#emit(line.toString('utf8'));
  }
}
