// Scheduling, randomness and path selection shared by the client, the mix node and the simulator.
export * from './errors.js';
export * from './rng.js';
export * from './event-heap.js';
export * from './clock.js';
export * from './poisson-process.js';
export * from './hop-delays.js';
export * from './path.js';
export * from './ks.js';
