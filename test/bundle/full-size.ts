/** The full bundle measured by test/bundle.test.ts: every public export. */
export * from '../../lib/index.ts';
