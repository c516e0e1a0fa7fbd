import { fitWidth } from './colour.js';

/** ANSI sequences of the few terminal moves a live area needs. */
const ESC = '\x1b[';
const CLEAR_TO_END = `${ESC}J`;
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;

/**
 * The last lines of a terminal, drawn again in place: each `render` moves the cursor back over
 * what the previous one drew and clears it. Lines are cut to the terminal's width, measured in
 * columns (wide characters, emoji), so none wraps (a wrapped line would throw the count of lines
 * to move back over).
 */
export class LiveArea {
  readonly #stream: NodeJS.WriteStream;
  #drawn = 0;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    stream.write(HIDE_CURSOR);
  }

  render(lines: readonly string[]): void {
    const width = Math.max(20, (this.#stream.columns || 80) - 1);
    const back = this.#drawn > 0 ? `${ESC}${this.#drawn}A\r` : '\r';
    const text = lines.map((line) => fitWidth(line, width)).join('\n');
    this.#stream.write(`${back}${CLEAR_TO_END}${text}\n`);
    this.#drawn = lines.length;
  }

  /** Leaves the last drawing on screen and gives the cursor back. */
  close(): void {
    this.#stream.write(SHOW_CURSOR);
  }
}
