import { github } from './github';
import { json } from './json';
import { sarif } from './sarif';
import { stylish } from './stylish';
import type { Reporter } from './types';

/** Output formats of `eos audit --format`, the first is the default. */
export const FORMATS = ['stylish', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export const reporters: Record<Format, Reporter> = { stylish, json, sarif, github };
export type { Reporter, ReportInput } from './types';
