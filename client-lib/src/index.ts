export {};
export * from './send-scheduler.js';
