/** Loaded on demand by core-entry.ts (a separate chunk): the public backend API, to read which backend ran. */
export { backend } from '../../lib/index.ts';
