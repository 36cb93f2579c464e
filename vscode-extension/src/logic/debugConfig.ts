// The Scriptum debug configurations (pure: no vscode import, unit-tested). The adapter is `scriptum-lsp debug`;
// its arguments are documented in docs/debugger.md.

export const DEBUG_TYPE = 'scriptum';

export interface ScriptumDebugConfiguration {
  type: string;
  request: string;
  name: string;
  script?: string;
  input?: unknown;
  env?: unknown;
  stopOnEntry?: boolean;
  thread?: string;
  threadFile?: string;
  endpoint?: string;
  organization?: string;
  token?: string;
  [key: string]: unknown;
}

export function launchConfiguration(script: string, input?: string): ScriptumDebugConfiguration {
  const config: ScriptumDebugConfiguration = { type: DEBUG_TYPE, request: 'launch', name: 'Debug Script', script };
  if (input) config.input = input;
  return config;
}

export function replayConfiguration(target: { thread: string } | { threadFile: string }): ScriptumDebugConfiguration {
  return { type: DEBUG_TYPE, request: 'launch', name: 'Replay Thread', ...target };
}

/** The input file the server would use for a script: `<stem>.input.json` next to it. */
export function inputFileFor(script: string): string {
  return script.replace(/\.scriptum$/i, '') + '.input.json';
}

/**
 * Fill what the user left out: an empty configuration (F5 with no launch.json) debugs the active script;
 * a replay gets the endpoint and organization of the settings, and the token of that endpoint's sign-in.
 * Returns undefined (and a message) when there is nothing to debug.
 */
export function resolveConfiguration(
  config: Partial<ScriptumDebugConfiguration>,
  context: { activeScript?: string; endpoint: string; organization?: string; token?: string; inputExists?: (p: string) => boolean },
): { config?: ScriptumDebugConfiguration; message?: string } {
  const out: ScriptumDebugConfiguration = {
    ...config,
    type: DEBUG_TYPE,
    request: config.request || 'launch',
    name: config.name || 'Debug Script',
  };
  const replay = Boolean(out.thread || out.threadFile);
  if (!replay) {
    if (!out.script) {
      if (!context.activeScript) return { message: 'Open a .scriptum file to debug it, or set "script" in launch.json.' };
      out.script = context.activeScript;
    }
    if (out.input === undefined && out.script && context.inputExists?.(inputFileFor(out.script))) {
      out.input = inputFileFor(out.script);
    }
    out.endpoint = out.endpoint || 'local';
    return { config: out };
  }
  if (out.thread) {
    out.endpoint = out.endpoint || context.endpoint || 'local';
    if (!out.organization && context.organization) out.organization = context.organization;
    // the token of a sign-in goes only to the endpoint it was given for
    if (!out.token && context.token && out.endpoint === context.endpoint && out.endpoint !== 'local') out.token = context.token;
  }
  return { config: out };
}
