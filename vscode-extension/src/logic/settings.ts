// Pure: the server settings the extension sends (initializationOptions, workspace/configuration answers
// and workspace/didChangeConfiguration). No `vscode` import, so it is unit-tested under plain Node.

/** Reads one setting of the `scriptum` section (e.g. "diagnostics.trigger"); undefined when unset. */
export type SettingReader = (key: string) => unknown;

export type DiagnosticsTrigger = 'onType' | 'onSave' | 'off';

export interface ServerSettings {
  endpoint: string;
  organization: string;
  token: string;
  diagnostics: { trigger: DiagnosticsTrigger; debounceMs: number };
  requestTimeoutMs?: number;
  localDiagnostics?: boolean;
  createMissingScripts?: boolean;
}

const TRIGGERS: readonly DiagnosticsTrigger[] = ['onType', 'onSave', 'off'];

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value.trim() : fallback;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Builds the `scriptum` settings object for the server. The token comes from SecretStorage (never from
 * settings.json); an empty string means "signed out" so the server drops a token it had before.
 * Keys the user left unset are omitted so the server applies its own defaults.
 */
export function buildServerSettings(read: SettingReader, token: string | undefined): ServerSettings {
  const trigger = read('diagnostics.trigger');
  const settings: ServerSettings = {
    endpoint: str(read('endpoint'), 'local') || 'local',
    organization: str(read('organization'), ''),
    token: token ?? '',
    diagnostics: {
      trigger: TRIGGERS.includes(trigger as DiagnosticsTrigger) ? (trigger as DiagnosticsTrigger) : 'onType',
      debounceMs: num(read('diagnostics.debounceMs')) ?? 300,
    },
  };
  const timeout = num(read('requestTimeoutMs'));
  if (timeout !== undefined) settings.requestTimeoutMs = timeout;
  const local = bool(read('localDiagnostics'));
  if (local !== undefined) settings.localDiagnostics = local;
  const create = bool(read('createMissingScripts'));
  if (create !== undefined) settings.createMissingScripts = create;
  return settings;
}

/** Merges the token into the answer to a `workspace/configuration` item of section `scriptum`. */
export function withToken(answer: unknown, token: string | undefined): unknown {
  const base = answer !== null && typeof answer === 'object' && !Array.isArray(answer) ? answer : {};
  return { ...(base as Record<string, unknown>), token: token ?? '' };
}

/** A description of the endpoint for the status bar: "local" or the host name of the URL. */
export function endpointLabel(endpoint: string): string {
  const e = endpoint.trim();
  if (e === '' || e === 'local') return 'local';
  try {
    return new URL(e).host || e;
  } catch {
    return e;
  }
}

/** Settings whose change needs a server restart (the process itself changes). */
export const RESTART_KEYS: readonly string[] = ['scriptum.server.pythonPath', 'scriptum.server.extraArgs'];
