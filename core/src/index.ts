// @strata/core public API. Sub-areas re-export their own index.
export * from './link/index.js';
export * from './sched/index.js';
