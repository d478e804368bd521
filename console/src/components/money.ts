// Amounts are fen (分) on the wire and yuan (元) on screen.

/** 12345 -> "¥123.45". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * What an operator typed in yuan, as fen: "12.3" -> 1230, "0.01" -> 1. Null for anything that
 * is not a non-negative amount with at most two decimals (no rounding of a third decimal).
 */
export function fenFromYuan(text: string): number | null {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
