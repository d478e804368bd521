import { describe, expect, it } from 'vitest';
import { fenFromYuan, yuan } from '../src/components/money';

describe('money', () => {
  it('shows fen as yuan with two decimals', () => {
    expect(yuan(0)).toBe('¥0.00');
    expect(yuan(1)).toBe('¥0.01');
    expect(yuan(990)).toBe('¥9.90');
    expect(yuan(123456)).toBe('¥1234.56');
    expect(yuan(-250)).toBe('-¥2.50');
  });

  it('reads yuan typed by an operator as fen, exactly', () => {
    expect(fenFromYuan('12.3')).toBe(1230);
    expect(fenFromYuan(' 0.01 ')).toBe(1);
    expect(fenFromYuan('9.90')).toBe(990);
    expect(fenFromYuan('100')).toBe(10000);
    // 0.1 + 0.2 style float errors cannot happen: digits, not floats.
    expect(fenFromYuan('19.99')).toBe(1999);
  });

  it('refuses what is not an amount of yuan and fen', () => {
    for (const bad of ['', '.5', '1.234', '-1', '1e3', 'abc', '1,00', '1.']) {
      expect(fenFromYuan(bad)).toBeNull();
    }
  });
});
