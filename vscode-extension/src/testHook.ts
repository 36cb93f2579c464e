// Test-only observation hook. When the environment variable SCRIPTUM_VSCODE_TEST_REPORT names a file (the
// end-to-end test sets it), the extension appends one JSON line per event: activation, client state,
// diagnostics, commands and their results. Unset (production): every call is a no-op.
import * as fs from 'node:fs';

const file = process.env.SCRIPTUM_VSCODE_TEST_REPORT;

export const testHookEnabled = !!file;

export function report(event: string, data: Record<string, unknown> = {}): void {
  if (!file) return;
  try {
    fs.appendFileSync(file, JSON.stringify({ t: Date.now(), event, ...data }) + '\n');
  } catch {
    // the hook must never break the extension
  }
}
