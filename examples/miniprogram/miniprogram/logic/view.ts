/**
 * What a page model drives: the Page itself (`this` has `data` and `setData`), or a plain object
 * in tests. Models set top-level keys only, so a test view is `Object.assign`.
 */
export interface View<D> {
  readonly data: D;
  setData(patch: Partial<D>): void;
}
