/** Entry of the read-ahead thread (see read-ahead.ts). Loads no TypeScript compiler. */
import { workerData } from 'node:worker_threads';
import { runReadAhead } from './read-ahead';

runReadAhead(workerData);
