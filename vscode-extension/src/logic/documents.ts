// Pure: the read-only documents the extension opens through its content providers.
//   scriptum-version:/<script>/v<version>/<script>@v<version>.scriptum  -> scriptum/versionContent {script, version}
//   scriptum-run:/<threadId>/<script> <status> <duration>.json -> scriptum/threadContent {threadId}
// The last path segment is only the tab title; the content is keyed by the first segments. Paths are
// plain (decoded) text: vscode.Uri does the percent-encoding.

export const VERSION_SCHEME = 'scriptum-version';
export const RUN_SCHEME = 'scriptum-run';

/** The script a file is: its file stem (`invoice-parser.scriptum` -> `invoice-parser`), like the server. */
export function scriptNameFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.scriptum$/i, '');
}

/** One path segment. vscode.Uri encodes it; slashes would split it, so they become '∕' (U+2215). */
function seg(s: string): string {
  return s.replace(/[\\/]/g, '\u2215');
}

function unseg(s: string): string {
  return s.replace(/\u2215/g, '/');
}

export function versionPath(script: string, version: number): string {
  return `/${seg(script)}/v${version}/${seg(script)}@v${version}.scriptum`;
}

/** Parses our version paths and the server's own (`/<script>/v<version>.scriptum`, used by code lenses). */
export function parseVersionPath(path: string): { script: string; version: number } | undefined {
  const m = /^\/([^/]+)\/v(\d+)(?:\/[^/]*|\.scriptum)$/.exec(path);
  if (!m) return undefined;
  return { script: unseg(m[1]), version: Number(m[2]) };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60000);
  return `${m} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A short status word: "THREAD_STATUS_COMPLETED" -> "completed". */
export function shortStatus(status: string | undefined): string {
  if (!status) return 'unknown';
  return status.replace(/^(THREAD_STATUS_|SCRIPT_VERSION_STATUS_|DRAFT_STATUS_|STATUS_)/, '').toLowerCase().replace(/_/g, ' ');
}

export function runPath(threadId: string, script: string, status: string | undefined, durationMs: number | undefined): string {
  const title = [script, shortStatus(status), formatDuration(durationMs)].filter(Boolean).join(' · ');
  return `/${seg(threadId)}/${seg(title)}.json`;
}

/** Parses our run paths and the server's own (`/<threadId>.json`). */
export function parseRunPath(path: string): { threadId: string } | undefined {
  const m = /^\/([^/]+)\/[^/]*$/.exec(path) ?? /^\/([^/]+)\.json$/.exec(path);
  return m ? { threadId: unseg(m[1]) } : undefined;
}

/** Whether a thread status means success. */
export function isSuccess(status: string | undefined): boolean {
  return /COMPLETED|SUCCEEDED|SUCCESS|^ok$/i.test(status ?? '');
}

/** Server text for a read-only document: strings pass through, anything else is pretty-printed JSON. */
export function renderContent(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value && typeof (value).text === 'string') {
    return (value as { text: string }).text;
  }
  return JSON.stringify(value, null, 2) + '\n';
}
