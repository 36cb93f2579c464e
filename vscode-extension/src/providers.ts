// Read-only documents: published versions (scriptum-version:) and test run results (scriptum-run:), both
// backed by the server's custom requests.
import * as vscode from 'vscode';
import { parseRunPath, parseVersionPath, renderContent, RUN_SCHEME, VERSION_SCHEME } from './logic/documents';
import type { ServerManager } from './server';

export class VersionContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly server: ServerManager) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const key = parseVersionPath(uri.path);
    if (!key) throw new Error(`not a Scriptum version document: ${uri.toString()}`);
    const result = await this.server.request('scriptum/versionContent', key, token);
    return renderContent(result);
  }
}

export class RunContentProvider implements vscode.TextDocumentContentProvider {
  /** Results already known from `scriptum.test`, used if the server cannot render the thread. */
  private readonly known = new Map<string, unknown>();

  constructor(private readonly server: ServerManager) {}

  remember(threadId: string, result: unknown): void {
    this.known.set(threadId, result);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const key = parseRunPath(uri.path);
    if (!key) throw new Error(`not a Scriptum run document: ${uri.toString()}`);
    try {
      return renderContent(await this.server.request('scriptum/threadContent', key, token));
    } catch (e) {
      const fallback = this.known.get(key.threadId);
      if (fallback !== undefined) return renderContent(fallback);
      throw e;
    }
  }
}

export function registerProviders(server: ServerManager): { disposables: vscode.Disposable[]; runs: RunContentProvider } {
  const runs = new RunContentProvider(server);
  return {
    runs,
    disposables: [
      vscode.workspace.registerTextDocumentContentProvider(VERSION_SCHEME, new VersionContentProvider(server)),
      vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, runs),
    ],
  };
}
