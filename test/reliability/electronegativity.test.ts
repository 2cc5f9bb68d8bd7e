/**
 * Electronegativity (Doyensec's Electron security scanner, pinned in
 * package.json) over the app's source: src/main, src/preload and src/renderer
 * scanned together (so global checks see the CSP in the renderer and the
 * navigation limits in main), expecting zero findings. Suppressions:
 *   - src/main/index.ts, on the `new BrowserWindow` line: the scanner cannot
 *     see through secureWebPreferences(); the values it looks for are asserted
 *     below and in test/main/wiring.test.ts.
 *   - CSP_GLOBAL_CHECK "may be weak" is accepted only for these evaluator
 *     findings: `script-src 'self'` ("problematic if you host JSONP, Angular
 *     or user uploaded files": the host serves out/renderer only,
 *     test/host/host.test.ts; in Electron 'self' is file://, which is why
 *     'self' is nowhere else in the page's policy, docs/SECURITY.md), and the
 *     loopback sources of connect-src (plain http on 127.0.0.1 / localhost:
 *     the browser host is exactly that). Any other CSP weakness fails the test.
 * A negative control scans a deliberately insecure main file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { secureWebPreferences } from '../../src/main/security.js';
import { contentSecurityPolicy } from '../../src/host/security.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const require = createRequire(import.meta.url);

afterAll(cleanTempDirs);

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  sample?: string;
  manualReview: boolean;
}

function scan(dir: string): { atomicChecks: number; globalChecks: number; errors: unknown[]; issues: Issue[] } {
  const r = spawnSync(process.execPath, [path.join(HERE, 'electronegativity-run.cjs'), dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`electronegativity failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/** csp-evaluator (the one Electronegativity uses) on a policy: its findings as "directive value severity". */
function evaluateCsp(policy: string): string[] {
  const csp = require('@doyensec/csp-evaluator') as {
    CspParser: new (s: string) => { csp: unknown };
    CspEvaluator: new (c: unknown, v: unknown) => { evaluate(): Array<{ directive: string; value?: string; severity: number }> };
    Version: { CSP3: unknown };
  };
  return new csp.CspEvaluator(new csp.CspParser(policy).csp, csp.Version.CSP3).evaluate().map((f) => `${f.directive} ${f.value ?? ''} ${f.severity}`.trim());
}

/** The accepted evaluator findings: script-src 'self' (severity 50, MEDIUM_MAYBE), and plain-http / localhost connect-src sources of the browser host. */
const ACCEPTED_CSP = ["script-src 'self' 50", 'connect-src http://127.0.0.1:* 30', 'connect-src http://localhost:* 30'];
const ACCEPTED_HOST_CSP = (port: number) => ["script-src 'self' 50", `connect-src ws://127.0.0.1:${port} 60`];

describe('Electronegativity', () => {
  it('finds nothing in src/main + src/preload + src/renderer', () => {
    const app = path.join(tempDir(), 'app');
    for (const part of ['main', 'preload', 'renderer']) fs.cpSync(path.join(ROOT, 'src', part), path.join(app, part), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    const result = scan(app);
    expect(result.atomicChecks).toBeGreaterThan(30);
    expect(result.globalChecks).toBeGreaterThan(3);
    expect(result.errors).toEqual([]);
    // The scanner calls the policy 'vulnerable' (not 'may be weak') for the http: loopback sources; accepted only
    // when the evaluator's findings are exactly the accepted ones.
    const unexplained = result.issues.filter((i) => !(i.id === 'CSP_GLOBAL_CHECK' && i.sample && JSON.stringify(evaluateCsp(i.sample)) === JSON.stringify(ACCEPTED_CSP)));
    expect(unexplained.map((i) => `${i.id} ${i.file}:${i.location.line} ${i.description}`)).toEqual([]);
  }, 180_000);

  it('the suppressed window checks hold: isolated, sandboxed, no node, Auxclick disabled', () => {
    const prefs = secureWebPreferences('/p.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
    expect(prefs.disableBlinkFeatures.split(',')).toContain('Auxclick');
    const index = fs.readFileSync(path.join(ROOT, 'src/main/index.ts'), 'utf8');
    // The window really takes its webPreferences from secureWebPreferences.
    expect(index).toMatch(/webPreferences: secureWebPreferences\(/);
  });

  it('the renderer and host CSPs have no weakness but the accepted one', () => {
    const html = fs.readFileSync(path.join(ROOT, 'src/renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    expect(evaluateCsp(meta!)).toEqual(ACCEPTED_CSP);
    expect(evaluateCsp(contentSecurityPolicy(4567))).toEqual(ACCEPTED_HOST_CSP(4567));
  });

  it('negative control: an insecure window is reported', () => {
    const app = path.join(tempDir(), 'bad');
    fs.mkdirSync(path.join(app, 'main'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    fs.writeFileSync(
      path.join(app, 'main', 'index.ts'),
      "import { BrowserWindow, shell } from 'electron';\nconst w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\nw.webContents.on('new-window', (e, url) => shell.openExternal(url));\n",
    );
    const ids = new Set(scan(app).issues.map((i) => i.id));
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'CSP_GLOBAL_CHECK']) expect(ids, id).toContain(id);
  }, 180_000);
});
