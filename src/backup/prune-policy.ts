/**
 * Which records `prune` keeps, with restic's meaning: --keep-last N keeps the N newest completed
 * records of each group; --keep-within 1y2m3d4h keeps every record made within that span before
 * the group's newest one. A record any rule keeps is kept. Pure: no I/O.
 */

export interface Within {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export interface PrunePolicy {
  keepLast?: number;
  keepWithin?: Within;
}

export interface PruneCandidate {
  recordId: string;
  /** 1 = completed; anything else is never pruned (it may be resumed). */
  status: number;
  /** Creation time in ms, when the server's createTime could be read. */
  createdMs?: number;
  /** Records are pruned per group (device and roots), like restic's host+paths. */
  group: string;
}

export interface PruneDecision {
  recordId: string;
  keep: boolean;
  /** Why it is kept ("last 3", "within 30d", "not completed", …), empty when it goes. */
  reasons: string[];
}

/** A policy that keeps nothing would delete every record: refused by the caller. */
export function isEmptyPolicy(p: PrunePolicy): boolean {
  return p.keepLast === undefined && p.keepWithin === undefined;
}

/** Parses restic's span: any of `<n>y`, `<n>m` (months), `<n>d`, `<n>h`, in that order, e.g. 1y6m, 30d, 12h. */
export function parseKeepWithin(text: string): Within {
  const m = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$/.exec(text.trim());
  if (!m || text.trim() === '')
    throw new Error(`--keep-within "${text}" is not a span; write e.g. 30d, 6m (months), 1y, 1y6m, 12h`);
  const [years, months, days, hours] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return { years, months, days, hours };
}

/** The span written back as text (for reasons). */
export function withinText(w: Within): string {
  return (
    [w.years && `${w.years}y`, w.months && `${w.months}m`, w.days && `${w.days}d`, w.hours && `${w.hours}h`]
      .filter(Boolean)
      .join('') || '0h'
  );
}

/** The earliest time `within` keeps, counted back from `latestMs` by the calendar (UTC). */
export function keepFrom(latestMs: number, w: Within): number {
  const d = new Date(latestMs);
  d.setUTCFullYear(d.getUTCFullYear() - w.years, d.getUTCMonth() - w.months, d.getUTCDate() - w.days);
  d.setUTCHours(d.getUTCHours() - w.hours);
  return d.getTime();
}

/** The decision for every candidate, in the order given. */
export function decidePrune(candidates: readonly PruneCandidate[], policy: PrunePolicy): PruneDecision[] {
  const reasons = new Map<string, string[]>(candidates.map((c) => [c.recordId, []]));
  const groups = new Map<string, PruneCandidate[]>();
  for (const c of candidates) {
    if (c.status !== 1) reasons.get(c.recordId)!.push('not completed');
    else if (c.createdMs === undefined) reasons.get(c.recordId)!.push('creation time unknown');
    else groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  }
  for (const members of groups.values()) {
    const newestFirst = [...members].sort((a, b) => b.createdMs! - a.createdMs!);
    if (policy.keepLast !== undefined)
      newestFirst.slice(0, policy.keepLast).forEach((c) => reasons.get(c.recordId)!.push(`last ${policy.keepLast}`));
    if (policy.keepWithin) {
      const from = keepFrom(newestFirst[0]!.createdMs!, policy.keepWithin);
      for (const c of newestFirst)
        if (c.createdMs! >= from) reasons.get(c.recordId)!.push(`within ${withinText(policy.keepWithin)}`);
    }
  }
  return candidates.map((c) => ({
    recordId: c.recordId,
    keep: reasons.get(c.recordId)!.length > 0,
    reasons: reasons.get(c.recordId)!,
  }));
}
