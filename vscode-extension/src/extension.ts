// Entry point: wires the launcher pieces together. No product logic lives here (see the Python server).
import * as vscode from 'vscode';
import { TokenStore } from './auth';
import { Commands } from './commands';
import { registerDebug } from './debug';
import { isSuccess, shortStatus } from './logic/documents';
import { RESTART_KEYS } from './logic/settings';
import { IgniteCommands } from './ignite';
import { registerProviders } from './providers';
import { ServerManager } from './server';
import { StatusBar } from './statusBar';
import { report, testHookEnabled } from './testHook';

let server: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Scriptum', { log: true });
  report('activate', { vscodeVersion: vscode.version, trusted: vscode.workspace.isTrusted });
  const tokens = new TokenStore(context.secrets);
  server = new ServerManager(context, log, tokens);
  const statusBar = new StatusBar(server);
  const { disposables, runs } = registerProviders(server);
  const commands = new Commands(context, server, tokens, statusBar, runs);
  context.subscriptions.push(log, server, statusBar, ...disposables, ...commands.register(), ...registerDebug(server, tokens),
    ...new IgniteCommands(context, server).register());

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!server || !e.affectsConfiguration('scriptum')) return;
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) await server.restart();
      else await server.pushSettings();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server?.restart()),
    // Threads started elsewhere (code lens, another editor command): the server opens the result itself;
    // offer the follow-ups here. Threads started by "Scriptum: Test" are reported by the command.
    server.onThreadFinished((t) => {
      if (server && server.suppressResultDocuments > 0) return;
      const text = `Scriptum test run ${shortStatus(t.status)} (${t.threadId}).`;
      const show = isSuccess(t.status) ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(text, 'Run again').then((c) => c && vscode.commands.executeCommand('scriptum.vscode.test'));
    }),
    vscode.languages.onDidChangeDiagnostics((e) => {
      if (!testHookEnabled) return;
      for (const uri of e.uris) {
        if (!uri.path.endsWith('.scriptum')) continue;
        const diags = vscode.languages.getDiagnostics(uri).map((d) => ({
          message: d.message,
          source: d.source,
          severity: d.severity,
          code: typeof d.code === 'object' ? String(d.code.value) : d.code,
          range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
        }));
        report('diagnostics', { uri: uri.toString(), diags });
      }
    }),
  );
  await server.ready();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
