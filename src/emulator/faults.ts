/** Fault injection: seeded random 503/429/resets/stalls plus scripted "nth request of kind K" rules. */
import { readFile } from 'node:fs/promises';
import { REQUEST_KINDS, type FaultController, type FaultRule, type FaultSpec, type RequestKind } from './types.js';
import { seededRandom } from '../util/seeded-random.js';

/** What to do to one request. */
export interface FaultDecision {
  stallMs?: number;
  action?: { type: 'status'; status: number } | { type: 'reset' };
  /** Apply `action` after handling the request for real (API calls). */
  afterHandling?: boolean;
  /** True when a scripted rule (not chance) chose the action. */
  fromRule?: boolean;
}

export class FaultInjector implements FaultController {
  private spec: FaultSpec = {};
  private random: () => number = seededRandom(1);
  private counts = new Map<RequestKind, number>();

  constructor(
    spec: FaultSpec | undefined,
    private readonly onExpireLocks: () => void,
  ) {
    this.set(spec ?? {});
  }

  set(spec: FaultSpec): void {
    this.spec = validateFaultSpec(spec);
    this.random = seededRandom(this.spec.seed ?? 1);
    this.counts = new Map();
  }

  get(): FaultSpec {
    return structuredClone(this.spec);
  }

  expireLockNow(): void {
    this.onExpireLocks();
  }

  /** The URL life this spec imposes, if any. */
  urlTtlOverride(): number | undefined {
    return this.spec.urlTtlSeconds;
  }

  /** Decides the fate of the next request of `kind`; call exactly once per request. */
  decide(kind: RequestKind): FaultDecision {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    // Two draws per request whatever the rates, so one rate does not shift another's sequence.
    const stallDraw = this.random();
    const actionDraw = this.random();
    const decision: FaultDecision = {};
    if (this.spec.stallMs && stallDraw < (this.spec.stallRate ?? 0)) decision.stallMs = this.spec.stallMs;
    const rule = this.spec.rules?.find((r) => r.kind === kind && r.nth === n);
    if (rule?.stallMs !== undefined) {
      decision.stallMs = Math.max(decision.stallMs ?? 0, rule.stallMs);
      if (rule.status === undefined && !rule.reset) return decision; // a pure stall: handled normally afterwards
    }
    if (rule) {
      decision.action = rule.reset ? { type: 'reset' } : { type: 'status', status: rule.status ?? 503 };
      decision.afterHandling = rule.afterHandling === true;
      decision.fromRule = true;
      return decision;
    }
    const reset = this.spec.resetRate ?? 0;
    const fail = reset + (this.spec.failRate ?? 0);
    const throttle = fail + (this.spec.status429Rate ?? 0);
    if (actionDraw < reset) decision.action = { type: 'reset' };
    else if (actionDraw < fail) decision.action = { type: 'status', status: 503 };
    else if (actionDraw < throttle) decision.action = { type: 'status', status: 429 };
    return decision;
  }
}

function rate(spec: Record<string, unknown>, name: string): void {
  const v = spec[name];
  if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
    throw new Error(`faults: ${name} must be a number from 0 to 1`);
}

function count(spec: Record<string, unknown>, name: string, min = 0): void {
  const v = spec[name];
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min))
    throw new Error(`faults: ${name} must be an integer ≥ ${min}`);
}

/** Checks a fault spec (from code or a JSON file) and returns a copy; throws naming the bad field. */
export function validateFaultSpec(input: unknown): FaultSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new Error('faults: the spec must be a JSON object');
  const spec = input as Record<string, unknown>;
  const known = new Set([
    'seed',
    'failRate',
    'resetRate',
    'status429Rate',
    'stallMs',
    'stallRate',
    'urlTtlSeconds',
    'rules',
  ]);
  for (const key of Object.keys(spec))
    if (!known.has(key)) throw new Error(`faults: unknown field "${key}" (known: ${[...known].join(', ')})`);
  for (const name of ['failRate', 'resetRate', 'status429Rate', 'stallRate']) rate(spec, name);
  count(spec, 'seed');
  count(spec, 'stallMs');
  count(spec, 'urlTtlSeconds', 1);
  const total =
    ((spec.failRate as number) ?? 0) + ((spec.resetRate as number) ?? 0) + ((spec.status429Rate as number) ?? 0);
  if (total > 1) throw new Error('faults: failRate + resetRate + status429Rate must not exceed 1');
  const rules = spec.rules;
  if (rules !== undefined && !Array.isArray(rules)) throw new Error('faults: rules must be an array');
  const checkedRules = (rules ?? []).map((r: unknown, i: number): FaultRule => {
    const rule = r as Record<string, unknown>;
    if (rule === null || typeof rule !== 'object') throw new Error(`faults: rules[${i}] must be an object`);
    if (!REQUEST_KINDS.includes(rule.kind as RequestKind))
      throw new Error(`faults: rules[${i}].kind must be one of ${REQUEST_KINDS.join(', ')}`);
    if (typeof rule.nth !== 'number' || !Number.isInteger(rule.nth) || rule.nth < 1)
      throw new Error(`faults: rules[${i}].nth must be an integer ≥ 1`);
    if (
      rule.status !== undefined &&
      (typeof rule.status !== 'number' || !Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599)
    ) {
      throw new Error(`faults: rules[${i}].status must be an HTTP error status (400..599)`);
    }
    if (rule.reset !== undefined && typeof rule.reset !== 'boolean')
      throw new Error(`faults: rules[${i}].reset must be true or false`);
    if (rule.afterHandling !== undefined && typeof rule.afterHandling !== 'boolean')
      throw new Error(`faults: rules[${i}].afterHandling must be true or false`);
    if (
      rule.stallMs !== undefined &&
      (typeof rule.stallMs !== 'number' || !Number.isInteger(rule.stallMs) || rule.stallMs < 0)
    ) {
      throw new Error(`faults: rules[${i}].stallMs must be an integer ≥ 0`);
    }
    const ruleKeys = new Set(['kind', 'nth', 'status', 'reset', 'afterHandling', 'stallMs']);
    for (const key of Object.keys(rule))
      if (!ruleKeys.has(key))
        throw new Error(`faults: rules[${i}] has unknown field "${key}" (known: ${[...ruleKeys].join(', ')})`);
    return structuredClone(rule) as unknown as FaultRule;
  });
  const copy = structuredClone(spec) as FaultSpec;
  if (rules !== undefined) copy.rules = checkedRules;
  return copy;
}

/** Reads and checks a fault spec JSON file. */
export async function loadFaultSpec(path: string): Promise<FaultSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read fault file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`fault file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateFaultSpec(parsed);
  } catch (err) {
    throw new Error(`fault file ${path}: ${(err as Error).message}`);
  }
}
