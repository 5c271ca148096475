import { MemoryLimits } from '../src/limits.js';
import { describeLimits } from './limits-contract.js';

// The single-node default: counters in this process.
describeLimits('in-memory', async (now) => new MemoryLimits(now));
