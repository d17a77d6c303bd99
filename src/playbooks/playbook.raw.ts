/** The YAML document as the schema guarantees it (before expressions are parsed). Internal to validation. */
import type { JsonType, LoopBudgetKey, Severity } from './playbook.types.js';

export interface RawInput {
  type: JsonType;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  required?: boolean;
  items?: { type: JsonType; enum?: unknown[] };
}

export interface RawStep {
  id: string;
  name?: string;
  if?: string;
  timeout?: string;
  continueOnError?: boolean;
  retry?: { attempts: number; backoff?: string; factor?: number };
  tool?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  check?: {
    foreach?: string | unknown[];
    as?: string;
    assert: { id?: string; that: string; severity?: Severity; asset?: string; check?: string; message: string }[];
  };
  approval?: { message: string; approvers?: number };
  foreach?: string | unknown[];
  as?: string;
  concurrency?: number;
  steps?: RawStep[];
  loop?: { maxRounds: number | string; until?: string; budget?: Partial<Record<LoopBudgetKey, number | string>>; steps: RawStep[] };
  ask?: { question: string; answer?: Record<string, unknown>; expires?: string; from?: string[] };
  agent?: { instruction: string; tools: string[]; env?: Record<string, string>; output?: Record<string, unknown>; maxToolCalls?: number; shareToolResults?: boolean };
}

export interface RawSchedule {
  cron: string;
  timezone?: string;
  inputs?: Record<string, unknown>;
  environments?: Record<string, string>;
  overlap?: 'skip' | 'queue' | 'cancel-previous';
  catchUp?: 'none' | 'last' | 'all';
  catchUpWindow?: string;
  jitter?: string;
  enabled?: boolean;
}

export interface RawPolicy {
  approval?: {
    requireFor?: ('read' | 'write' | 'destructive')[];
    approvers?: number;
    allowed?: string[];
    allowSelfApproval?: boolean;
    expiresAfter?: string;
    scope?: 'step' | 'run';
  };
}

export interface RawPlaybook {
  apiVersion: 'steward/v1';
  kind: 'Playbook';
  metadata: { name: string; description?: string; labels?: Record<string, string> };
  inputs?: Record<string, RawInput>;
  environments?: Record<string, { kind: string; description?: string }>;
  steps: RawStep[];
  outputs?: Record<string, unknown>;
  schedule?: RawSchedule;
  policy?: RawPolicy;
}
