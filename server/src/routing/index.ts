export * from './business-hours.js';
export * from './conversation.js';
export * from './summary.js';
export * from './system-lines.js';
export * from './text.js';
export * from './topics.js';
