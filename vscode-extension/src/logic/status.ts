// Pure: what the status bar item shows.
import { endpointLabel } from './settings';
import { shortStatus } from './documents';

export type Health = 'ok' | 'busy' | 'warning' | 'error' | 'starting' | 'stopped';

export interface StatusInput {
  /** The `state` of the last scriptum/status notification (server-defined words), or a client state. */
  state: string | undefined;
  endpoint: string;
  organization: string;
  /** Draft status of the active script, e.g. "SCRIPT_VERSION_STATUS_COMPILED". */
  draftStatus?: string;
  message?: string;
  /** A test run or a command is in progress on the client side. */
  busy?: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
  health: Health;
}

const BUSY = /compil|saving|running|testing|busy|publish|progress|pending|loading|connecting/i;
const WARN = /offline|unavailable|unreachable|unauthori|unauthenti|forbidden|denied|permission|rate|timeout|conflict|stale|degraded/i;
const ERROR = /^error$|failed|crash/i;

export function classifyState(state: string | undefined): Health {
  if (!state) return 'starting';
  if (/^stopped$/i.test(state)) return 'stopped';
  if (/^starting$/i.test(state)) return 'starting';
  if (WARN.test(state)) return 'warning';
  if (ERROR.test(state)) return 'error';
  if (BUSY.test(state)) return 'busy';
  return 'ok';
}

export interface StatusNotice {
  state?: string;
  endpoint?: string;
  organization?: string;
  message?: string;
}

/**
 * Folds a scriptum/status notification into the last one. A problem (offline, unauthorized, error) stays
 * visible through the server's "connecting" phase until a state that is neither arrives (e.g. "ok").
 */
export function mergeStatus(last: StatusNotice, next: StatusNotice): StatusNotice {
  const lastHealth = classifyState(last.state);
  if (/connect/i.test(next.state ?? '') && (lastHealth === 'warning' || lastHealth === 'error')) {
    return { ...last, endpoint: next.endpoint ?? last.endpoint, organization: next.organization ?? last.organization };
  }
  return { ...last, ...next };
}

export function statusView(s: StatusInput): StatusView {
  const health: Health = s.busy ? 'busy' : classifyState(s.state);
  const icon =
    health === 'busy' || health === 'starting'
      ? '$(sync~spin)'
      : health === 'warning' || health === 'error'
        ? '$(warning)'
        : health === 'stopped'
          ? '$(circle-slash)'
          : '$(cloud)';
  const where = endpointLabel(s.endpoint);
  const parts = [where];
  if (s.organization) parts.push(s.organization);
  if (s.draftStatus) parts.push(shortStatus(s.draftStatus));
  const text = `${icon} Scriptum: ${parts.join(' · ')}`;
  const lines = [
    `Endpoint: ${s.endpoint || 'local'}`,
    `Organization: ${s.organization || '(default)'}`,
    `State: ${s.busy ?? s.state ?? 'starting'}`,
  ];
  if (s.draftStatus) lines.push(`Draft: ${shortStatus(s.draftStatus)}`);
  if (s.message) lines.push(s.message);
  if (/unauthori|unauthenti/i.test(s.state ?? '')) lines.push('Run "Scriptum: Sign In" to store a token for this endpoint');
  lines.push('Click for details');
  return { text, tooltip: lines.join('\n'), health };
}

/** Any JSON value as short text. */
function asText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Finds the draft status of a script in the result of `scriptum.status` (shape tolerant). */
export function draftStatusFor(status: unknown, uri: string, script: string): string | undefined {
  if (!status || typeof status !== 'object') return undefined;
  const scripts = (status as { scripts?: unknown }).scripts;
  const entries: unknown[] = Array.isArray(scripts)
    ? scripts
    : scripts && typeof scripts === 'object'
      ? Object.entries(scripts as Record<string, unknown>).map(([k, v]): unknown =>
          v && typeof v === 'object' ? { name: k, ...(v as Record<string, unknown>) } : { name: k, status: v },
        )
      : [];
  for (const e of entries) {
    if (!e || typeof e !== 'object') continue;
    const r = e as Record<string, unknown>;
    if (r.uri === uri || r.name === script || r.script === script) {
      for (const key of ['draftStatus', 'lastDraftStatus', 'status', 'state']) {
        if (typeof r[key] === 'string' && r[key]) return r[key];
      }
    }
  }
  return undefined;
}

/** The lines of the "Show Status" quick pick, from the `scriptum.status` result. */
export function statusLines(status: unknown): string[] {
  if (!status || typeof status !== 'object') return [String(status)];
  const r = status as Record<string, unknown>;
  const out = [
    `Endpoint: ${asText(r.endpoint) || 'local'}`,
    `Organization: ${asText(r.organization) || '(default)'}`,
    `Signed in: ${r.authenticated === true ? 'yes' : r.authenticated === false ? 'no' : 'unknown'}`,
  ];
  for (const [k, v] of Object.entries(r)) {
    if (['endpoint', 'organization', 'authenticated', 'scripts'].includes(k)) continue;
    if (v === null || v === undefined || v === '') continue;
    if (typeof v !== 'object') out.push(`${k}: ${asText(v)}`);
  }
  const scripts = r.scripts;
  if (Array.isArray(scripts)) {
    for (const s of scripts) {
      if (s && typeof s === 'object') {
        const e = s as Record<string, unknown>;
        const name = asText(e.name ?? e.script ?? e.uri) || '?';
        const st = e.draftStatus ?? e.lastDraftStatus ?? e.status;
        const extra = Object.entries(e)
          .filter(([k, v]) => !['name', 'script', 'uri', 'draftStatus', 'lastDraftStatus', 'status'].includes(k) && (v === null || typeof v !== 'object'))
          .map(([k, v]) => `${k}=${String(v)}`);
        out.push(`Script ${name}: ${typeof st === 'string' ? shortStatus(st) : 'no draft'}${extra.length ? ` (${extra.join(', ')})` : ''}`);
      } else {
        out.push(`Script ${String(s)}`);
      }
    }
  }
  return out;
}
