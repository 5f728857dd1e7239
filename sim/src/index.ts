// @strata/sim: the traffic-analysis simulator.
export * from './errors.js';
export * from './scenario.js';
export * from './trace.js';
export * from './engine.js';
export * from './mass-tracker.js';
export * from './forward-entropy.js';
export * from './batch-entropy.js';
export * from './fast-log.js';
export * from './disclosure.js';
export * from './stats.js';
export * from './summary.js';
export * from './svg-plot.js';
export * from './report.js';
export * from './run.js';
export * from './sweep.js';
export * from './cli.js';
