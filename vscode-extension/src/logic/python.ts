// Pure: choosing and checking the Python interpreter that runs the server.
import { spawn } from 'node:child_process';

export const MIN_PYTHON: readonly [number, number] = [3, 11];

export interface Candidate {
  /** Command or absolute path of the interpreter. */
  command: string;
  /** Where it came from, shown in messages: "setting scriptum.server.pythonPath", "Python extension", "PATH". */
  source: string;
}

/** The order of interpreters to try: the setting, else the Python extension's interpreter, else python3. */
export function interpreterCandidates(setting: string | undefined, pythonExtension: string | undefined): Candidate[] {
  const configured = (setting ?? '').trim();
  if (configured) return [{ command: configured, source: 'setting scriptum.server.pythonPath' }];
  const out: Candidate[] = [];
  if (pythonExtension && pythonExtension.trim()) {
    out.push({ command: pythonExtension.trim(), source: "the Python extension's active interpreter" });
  }
  out.push({ command: 'python3', source: 'python3 on PATH' });
  return out;
}

/** Parses the output of `python -c "import sys; print(*sys.version_info[:3])"` ("3 11 2"). */
export function parseVersion(output: string): [number, number, number] | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function isSupported(version: readonly number[]): boolean {
  const [maj, min] = version;
  return maj > MIN_PYTHON[0] || (maj === MIN_PYTHON[0] && min >= MIN_PYTHON[1]);
}

export type ProbeResult =
  | { ok: true; candidate: Candidate; version: string }
  | { ok: false; candidate: Candidate; reason: string };

/** Runs the interpreter once and checks its version. Never throws. */
export function probeInterpreter(candidate: Candidate, timeoutMs = 10000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    let child;
    try {
      child = spawn(candidate.command, ['-c', 'import sys; print(*sys.version_info[:3])'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (e) {
      done({ ok: false, candidate, reason: `cannot start it (${String(e)})` });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      done({ ok: false, candidate, reason: `it did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done({ ok: false, candidate, reason: e.code === 'ENOENT' ? 'not found' : `cannot start it (${e.message})` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const v = parseVersion(out);
      if (code !== 0 || !v) {
        done({ ok: false, candidate, reason: `it exited with code ${code}${err ? `: ${err.trim().split('\n').pop()}` : ''}` });
      } else if (!isSupported(v)) {
        done({ ok: false, candidate, reason: `it is Python ${v.join('.')}, the server needs ${MIN_PYTHON.join('.')} or newer` });
      } else {
        done({ ok: true, candidate, version: v.join('.') });
      }
    });
  });
}

/** Tries the candidates in order; the first supported one wins, else all failures are returned. */
export async function findInterpreter(
  candidates: readonly Candidate[],
  probe: (c: Candidate) => Promise<ProbeResult> = probeInterpreter,
): Promise<{ found?: Extract<ProbeResult, { ok: true }>; failures: Extract<ProbeResult, { ok: false }>[] }> {
  const failures: Extract<ProbeResult, { ok: false }>[] = [];
  for (const c of candidates) {
    const r = await probe(c);
    if (r.ok) return { found: r, failures };
    failures.push(r);
  }
  return { failures };
}

/** One actionable sentence for the error notification. */
export function describeFailures(failures: readonly Extract<ProbeResult, { ok: false }>[]): string {
  const parts = failures.map((f) => `${f.candidate.command} (${f.candidate.source}): ${f.reason}`);
  return (
    `Scriptum needs Python ${MIN_PYTHON.join('.')}+ to run its language server, and none was usable: ` +
    `${parts.join('; ')}. Set "scriptum.server.pythonPath" to a Python ${MIN_PYTHON.join('.')}+ interpreter.`
  );
}

/** PYTHONPATH for the server: the bundled libraries first, then whatever the user had. */
export function serverPythonPath(bundledLibs: string | undefined, existing: string | undefined, sep: string): string | undefined {
  const parts = [bundledLibs, existing].filter((p): p is string => !!p && p.length > 0);
  return parts.length ? parts.join(sep) : undefined;
}
