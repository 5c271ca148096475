export * from './assign.js';
export * from './business-hours.js';
export * from './conversation.js';
export * from './system-lines.js';
export * from './text.js';
export * from './topics.js';
export * from './types.js';
export * from './wait.js';
