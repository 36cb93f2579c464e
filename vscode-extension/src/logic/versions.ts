// Pure: the Show Versions quick pick.
import { shortStatus } from './documents';

export interface VersionInfo {
  version: number;
  status?: string;
  createdAtMs?: number;
  publishedAtMs?: number;
  active?: boolean;
}

export function parseVersions(result: unknown): VersionInfo[] {
  const list = Array.isArray(result)
    ? result
    : result && typeof result === 'object' && Array.isArray((result as { versions?: unknown }).versions)
      ? (result as { versions: unknown[] }).versions
      : [];
  const out: VersionInfo[] = [];
  for (const v of list) {
    if (!v || typeof v !== 'object') continue;
    const r = v as Record<string, unknown>;
    const version = Number(r.version);
    if (!Number.isInteger(version)) continue;
    out.push({
      version,
      status: typeof r.status === 'string' ? r.status : undefined,
      createdAtMs: typeof r.createdAtMs === 'number' ? r.createdAtMs : Number(r.createdAtMs) || undefined,
      publishedAtMs: typeof r.publishedAtMs === 'number' ? r.publishedAtMs : Number(r.publishedAtMs) || undefined,
      active: r.active === true,
    });
  }
  return out.sort((a, b) => b.version - a.version);
}

function when(ms: number | undefined): string {
  if (!ms) return '';
  return new Date(ms).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

export function versionItem(v: VersionInfo): { label: string; description: string; detail: string } {
  return {
    label: `v${v.version}${v.active ? ' $(check) active' : ''}`,
    description: shortStatus(v.status),
    detail: [v.publishedAtMs ? `published ${when(v.publishedAtMs)}` : '', v.createdAtMs ? `created ${when(v.createdAtMs)}` : '']
      .filter(Boolean)
      .join(' · '),
  };
}

export type VersionAction = 'open' | 'diff' | 'restore' | 'rollback';

export const VERSION_ACTIONS: readonly { action: VersionAction; label: string; description: string }[] = [
  { action: 'open', label: '$(file) Open read-only', description: 'the source of this version' },
  { action: 'diff', label: '$(diff) Compare with the buffer', description: 'version on the left, your buffer on the right' },
  { action: 'restore', label: '$(history) Restore into the buffer', description: 'replaces the buffer text; does not publish' },
  { action: 'rollback', label: '$(debug-step-back) Roll back to this version', description: 'makes it the active version' },
];
