/**
 * The sizes of a log stream's newest entries, oldest first, and their sum: what a trim to a line
 * cap and a byte cap keeps. A ring of 32-bit sizes that grows by doubling (to about the line cap
 * at most), so a long job's millions of lines make no garbage here.
 */
export class SizeWindow {
  #ring = new Uint32Array(1024);
  #head = 0;
  #count = 0;
  #bytes = 0;

  /** Entries in the window. */
  get count(): number {
    return this.#count;
  }

  /** Their sizes summed. */
  get bytes(): number {
    return this.#bytes;
  }

  push(size: number): void {
    if (this.#count === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#count) % this.#ring.length] = size;
    this.#count += 1;
    this.#bytes += size;
  }

  /** Drops the oldest entries until at most maxCount and maxBytes remain; the newest one always stays. */
  trim(maxCount: number, maxBytes: number): void {
    while (this.#count > 1 && (this.#count > maxCount || this.#bytes > maxBytes)) {
      this.#bytes -= this.#ring[this.#head]!;
      this.#head = (this.#head + 1) % this.#ring.length;
      this.#count -= 1;
    }
  }

  #grow(): void {
    const next = new Uint32Array(this.#ring.length * 2);
    for (let i = 0; i < this.#count; i += 1) next[i] = this.#ring[(this.#head + i) % this.#ring.length]!;
    this.#ring = next;
    this.#head = 0;
  }
}
