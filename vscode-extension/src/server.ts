// Starts, stops and talks to the Python language server. All product logic lives in the server; this class
// only finds an interpreter, passes settings (with the SecretStorage token) and forwards requests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  type StaticFeature,
  Trace,
  TransportKind,
} from 'vscode-languageclient/node';
import type { TokenStore } from './auth';
import { buildServerSettings, withToken, type ServerSettings } from './logic/settings';
import { describeFailures, findInterpreter, interpreterCandidates, serverPythonPath } from './logic/python';
import { pythonExtensionInterpreter } from './python';
import { report } from './testHook';

export interface StatusNotification {
  state?: string;
  endpoint?: string;
  organization?: string;
  message?: string;
}

export interface ThreadFinished {
  threadId: string;
  status?: string;
  output?: unknown;
  error?: unknown;
}

const virtualDocumentsFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, scriptum: { virtualDocuments: true } };
  },
  initialize(): void {},
  getState: () => ({ kind: 'static' }),
  clear(): void {},
};

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly statusEmitter = new vscode.EventEmitter<StatusNotification>();
  private readonly threadEmitter = new vscode.EventEmitter<ThreadFinished>();
  private readonly stateEmitter = new vscode.EventEmitter<'starting' | 'running' | 'stopped'>();
  readonly onStatus = this.statusEmitter.event;
  readonly onThreadFinished = this.threadEmitter.event;
  readonly onState = this.stateEmitter.event;
  /** Lets commands suppress the server's own window/showDocument of a test result (they open their own view). */
  suppressResultDocuments = 0;
  /** The settings last sent, so one sign-in (command + secret-change event) sends one notification. */
  private lastPushed: string | undefined;
  /** The settings most recently computed; initializationOptions of a server the client restarts after a crash. */
  private latest: ServerSettings | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly tokens: TokenStore,
  ) {
    this.disposables.push(
      log.onDidChangeLogLevel((level) => void this.applyTrace(level)),
      tokens.onDidChange(() => void this.pushSettings()),
    );
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('scriptum');
  }

  async currentSettings(): Promise<ServerSettings> {
    const cfg = this.config();
    const endpoint = cfg.get<string>('endpoint') || 'local';
    this.latest = buildServerSettings((k) => cfg.get(k), await this.tokens.get(endpoint));
    return this.latest;
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** The client once it runs; starts it when needed. Undefined when the server cannot start. */
  async ready(): Promise<LanguageClient | undefined> {
    const current = this.client;
    if (current && current.state === State.Starting && !this.starting) {
      // the language client restarts a crashed server by itself: wait for it instead of starting another
      await new Promise<void>((resolve) => {
        const sub = current.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            sub.dispose();
            resolve();
          }
        });
      });
    }
    if (this.client && this.client.state === State.Running) return this.client;
    if (!this.starting) {
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  /** The interpreter and environment that run scriptum_lsp (the language server, and the debug adapter). */
  async serverProcess(showErrors = false): Promise<{ command: string; env: NodeJS.ProcessEnv; extraArgs: string[]; bundled: boolean } | undefined> {
    const cfg = this.config();
    const resource = vscode.window.activeTextEditor?.document.uri;
    const candidates = interpreterCandidates(
      cfg.get<string>('server.pythonPath'),
      cfg.get<string>('server.pythonPath') ? undefined : await pythonExtensionInterpreter(resource),
    );
    const { found, failures } = await findInterpreter(candidates);
    for (const f of failures) this.log.warn(`Python ${f.candidate.command} (${f.candidate.source}) rejected: ${f.reason}`);
    if (!found) {
      const message = describeFailures(failures);
      this.log.error(message);
      report('server-error', { message });
      if (!showErrors) return undefined;
      void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Logs').then((choice) => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'scriptum.server.pythonPath');
        if (choice === 'Show Logs') this.log.show();
      });
      return undefined;
    }
    const python = found.candidate.command;
    const libs = path.join(this.context.extensionPath, 'bundled', 'libs');
    const bundled = fs.existsSync(libs) ? libs : undefined;
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    const pythonPath = serverPythonPath(bundled, process.env.PYTHONPATH, path.delimiter);
    if (pythonPath) env.PYTHONPATH = pythonPath;
    const extraArgs = cfg.get<string[]>('server.extraArgs') ?? [];
    this.log.info(`Python for scriptum_lsp: ${python} (Python ${found.version}, ${found.candidate.source})${bundled ? ` with ${bundled}` : ''}`);
    return { command: python, env, extraArgs, bundled: !!bundled };
  }

  private async start(): Promise<LanguageClient | undefined> {
    await this.stop(); // a client that gave up after crashes
    this.stateEmitter.fire('starting');
    const proc = await this.serverProcess(true);
    if (!proc) {
      this.stateEmitter.fire('stopped');
      return undefined;
    }
    const { command: python, env, extraArgs, bundled } = proc;
    this.log.info(`Starting the Scriptum language server: ${python} -m scriptum_lsp ${extraArgs.join(' ')}`.trimEnd());
    const serverOptions: ServerOptions = {
      command: python,
      args: ['-m', 'scriptum_lsp', ...extraArgs],
      transport: TransportKind.stdio,
      options: { env },
    };
    const settings = await this.currentSettings();
    this.lastPushed = JSON.stringify(settings);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'scriptum' },
        { scheme: 'untitled', language: 'scriptum' },
      ],
      outputChannel: this.log,
      initializationOptions: () => this.latest ?? settings,
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        workspace: {
          // The server pulls its settings; answer with the token merged in for section `scriptum`.
          configuration: async (params, token, next) => {
            const result: unknown = await next(params, token);
            if (!Array.isArray(result)) return result as never;
            const needsToken = params.items.some((i) => i.section === 'scriptum');
            if (!needsToken) return result as unknown[];
            const s = await this.currentSettings();
            return (result as unknown[]).map((r, i): unknown => (params.items[i]?.section === 'scriptum' ? withToken(s, s.token) : r));
          },
        },
        window: {
          showDocument: async (params, token, next) => {
            if (this.suppressResultDocuments > 0 && !params.uri.endsWith('.scriptum')) {
              this.log.debug(`Result document ${params.uri} shown by the extension instead`);
              return { success: true };
            }
            return next(params, token);
          },
        },
      },
    };
    const client = new LanguageClient('scriptum', 'Scriptum Language Server', serverOptions, clientOptions);
    // Versions and run results opened by the server (code lenses) use the scriptum-version: and scriptum-run:
    // schemes served by this extension instead of files in the server's cache folder.
    client.registerFeature(virtualDocumentsFeature);
    this.client = client;
    client.onDidChangeState((e) => {
      report('client-state', { state: State[e.newState] });
      if (e.newState === State.Stopped) this.stateEmitter.fire('stopped');
    });
    try {
      await client.start();
    } catch (e) {
      const message = `The Scriptum language server did not start: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(message);
      report('server-error', { message });
      this.stateEmitter.fire('stopped');
      void vscode.window.showErrorMessage(message, 'Show Logs').then((c) => c && this.log.show());
      return undefined;
    }
    this.disposables.push(
      client.onNotification('scriptum/status', (p: StatusNotification) => {
        report('status', { ...p });
        this.statusEmitter.fire(p);
      }),
      client.onNotification('scriptum/threadFinished', (p: ThreadFinished) => {
        report('thread-finished', { threadId: p.threadId, status: p.status });
        this.threadEmitter.fire(p);
      }),
    );
    await this.applyTrace(this.log.logLevel);
    report('client-started', { python, bundled });
    this.stateEmitter.fire('running');
    return client;
  }

  private async applyTrace(level: vscode.LogLevel): Promise<void> {
    if (this.client?.state !== State.Running) return;
    await this.client.setTrace(level === vscode.LogLevel.Trace ? Trace.Verbose : level === vscode.LogLevel.Debug ? Trace.Messages : Trace.Off);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(5000);
      } catch (e) {
        this.log.warn(`Stopping the server: ${String(e)}`);
      }
    }
  }

  async restart(): Promise<LanguageClient | undefined> {
    this.log.info('Restarting the Scriptum language server');
    if (this.starting) await this.starting;
    await this.stop();
    return this.ready();
  }

  /** Sends the current settings (with the token) so the server picks up a sign-in without a restart. */
  async pushSettings(): Promise<void> {
    const client = this.client;
    if (!client || client.state !== State.Running) return;
    const settings = await this.currentSettings();
    const key = JSON.stringify(settings);
    if (key === this.lastPushed) return;
    this.lastPushed = key;
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { scriptum: settings } });
    report('settings-pushed', { endpoint: settings.endpoint, hasToken: settings.token !== '' });
  }

  /** Calls a server command (workspace/executeCommand) with one JSON object argument. */
  async executeCommand<T = unknown>(command: string, args: Record<string, unknown>, token?: vscode.CancellationToken): Promise<T> {
    const client = await this.ready();
    if (!client) throw new Error('the Scriptum language server is not running (see Scriptum: Show Logs)');
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }, token)) as T;
  }

  async request<T = unknown>(method: string, params: unknown, token?: vscode.CancellationToken): Promise<T> {
    const client = await this.ready();
    if (!client) throw new Error('the Scriptum language server is not running (see Scriptum: Show Logs)');
    return (await client.sendRequest(method, params, token));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.stop();
  }
}
