export { checkCompose, type CheckComposeOptions, type CheckComposeResult } from './check.js';
export { loadCompose, type LoadOptions, type LoadResult } from './load.js';
export { buildModel } from './normalize.js';
export { toComposeConfigJson } from './project.js';
export * from './model.js';
