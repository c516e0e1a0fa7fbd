import { describe, expect, it } from 'vitest';
import { ErrorCodes, isKinglyError, KINGLY_ERROR, KinglyError } from './errors.js';

describe('isKinglyError', () => {
  it('recognises the brand, whichever copy of the package made the error, and never a mere name', () => {
    expect(isKinglyError(new KinglyError(ErrorCodes.BAD_INPUT, 'x'))).toBe(true);
    // What another copy of @kingly/cmd (a bundle beside node_modules) makes: another class, the same global symbol.
    const brand: unique symbol = Symbol.for('kingly.error') as never;
    class OtherCopy extends Error {
      readonly [brand] = true;
      readonly code = ErrorCodes.JOB_NOT_FOUND;
    }
    expect(KINGLY_ERROR).toBe(Symbol.for('kingly.error'));
    expect(isKinglyError(new OtherCopy('y'))).toBe(true);
    const named = Object.assign(new Error('z'), { name: 'KinglyError', code: 'E_BAD_INPUT' });
    expect(isKinglyError(named)).toBe(false);
    for (const value of [undefined, null, 'KinglyError', 42, {}]) expect(isKinglyError(value)).toBe(false);
  });
});
