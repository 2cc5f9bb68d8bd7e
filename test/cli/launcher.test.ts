/**
 * How `kvscope` starts: bin/kvscope.js runs the command built into
 * out/cli/kvscope.mjs while none of the files it was built from is newer,
 * and the TypeScript sources otherwise. What matters: an edited source is
 * never shadowed by an older build, and the build does exactly what the
 * sources do (same output, same exit codes), the browser host included.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

vi.setConfig({ testTimeout: 180_000 });

const ROOT = path.resolve(__dirname, '../..');

afterEach(cleanTempDirs);

describe('bin/kvscope.js', () => {
  /**
   * A tree laid out as the repository is, with a launcher copied from bin/,
   * a "build" and a "source" entry that only say which one ran, and one
   * input file the build lists.
   */
  function launcherTree(): { root: string; run(env?: Record<string, string>): string } {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'bin/kvscope.js'), path.join(root, 'bin/kvscope.js'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.mkdirSync(path.join(root, 'src/cli'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src/cli/entry.ts'), "const from: string = 'source';\nprocess.stdout.write(from + '\\n');\n");
    fs.writeFileSync(path.join(root, 'src/input.ts'), 'export {};\n');
    fs.mkdirSync(path.join(root, 'out/cli'), { recursive: true });
    fs.writeFileSync(path.join(root, 'out/cli/kvscope.mjs'), "process.stdout.write('build\\n');\n");
    fs.writeFileSync(path.join(root, 'out/cli/kvscope.inputs.json'), JSON.stringify(['src/input.ts', 'src/cli/entry.ts']));
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(root, 'src/input.ts'), hourAgo, hourAgo);
    fs.utimesSync(path.join(root, 'src/cli/entry.ts'), hourAgo, hourAgo);
    const run = (env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [path.join(root, 'bin/kvscope.js')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KVSCOPE_FROM_SOURCE: '', ...env } });
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    };
    return { root, run };
  }

  it('runs the build while it is current', () => {
    const { run } = launcherTree();
    expect(run()).toBe('build');
  });

  it('runs the sources once an input is newer than the build, or gone, or the list of inputs is missing', () => {
    const tree = launcherTree();
    const input = path.join(tree.root, 'src/input.ts');
    const soon = new Date(Date.now() + 60_000);
    fs.utimesSync(input, soon, soon);
    expect(tree.run()).toBe('source');

    const gone = launcherTree();
    fs.rmSync(path.join(gone.root, 'src/input.ts'));
    expect(gone.run()).toBe('source');

    const unlisted = launcherTree();
    fs.rmSync(path.join(unlisted.root, 'out/cli/kvscope.inputs.json'));
    expect(unlisted.run()).toBe('source');

    const unbuilt = launcherTree();
    fs.rmSync(path.join(unbuilt.root, 'out/cli/kvscope.mjs'));
    expect(unbuilt.run()).toBe('source');
  });

  it('runs the sources when KVSCOPE_FROM_SOURCE is set', () => {
    const { run } = launcherTree();
    expect(run({ KVSCOPE_FROM_SOURCE: '1' })).toBe('source');
  });
});

describe('the built command (scripts/build-cli.mjs)', () => {
  // Two levels below the root, as out/cli is: the command finds package.json and out/renderer from there.
  const outDir = path.join(ROOT, 'out', `cli-test-${process.pid}`);
  const built = path.join(outDir, 'kvscope.mjs');
  let cwd: string;

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs'), outDir], { cwd: ROOT, timeout: 120_000 });
    cwd = fs.mkdtempSync(path.join(ROOT, 'out', 'cli-test-cwd-'));
  });
  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const sourceRun = (args: string[], input = '') => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/kvscope.js'), ...args], { cwd, input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KVSCOPE_FROM_SOURCE: '1' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const builtRun = (args: string[], input = '') => {
    const r = spawnSync(process.execPath, [built, ...args], { cwd, input, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('lists every source it holds, and the package files', () => {
    const inputs = JSON.parse(fs.readFileSync(path.join(outDir, 'kvscope.inputs.json'), 'utf8')) as string[];
    for (const file of ['src/cli/entry.ts', 'src/cli/main.ts', 'src/engine/store.ts', 'src/host/index.ts', 'package.json', 'package-lock.json']) expect(inputs).toContain(file);
    for (const input of inputs) expect(fs.existsSync(path.join(ROOT, input))).toBe(true);
  });

  it('answers as the sources do: data, messages and exit codes', () => {
    // Written by one, read by the other, both ways.
    expect(builtRun(['--dir', 'store', 'set', 'name', 'Alice'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(sourceRun(['--dir', 'store', 'set', 'city', 'Oslo'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    const cases: Array<[string[], string?]> = [
      [['--version']],
      [['--help']],
      [[]],
      [['--dir', 'store', 'get', 'name']],
      [['--dir', 'store', 'get', 'city', '--json']],
      [['--dir', 'store', 'get', 'nobody']],
      [['--dir', 'store', 'list']],
      [['--dir', 'store', 'scan', '--json']],
      [['--dir', 'store', 'history', 'name', '--json']],
      [['--dir', 'store', 'verify', '--json']],
      [['--dir', 'store', 'bogus']],
      [['--dir', 'store', 'get']],
      [['--dir', 'no-such-store', '--read-only', 'list']],
      [['--dir', 'store', 'repl'], 'get name\nlist\nquit\n'],
    ];
    for (const [args, input] of cases) {
      const fromSource = sourceRun(args, input);
      expect(builtRun(args, input), args.join(' ')).toEqual(fromSource);
    }
    // Not a vacuous comparison: the answers differ from one case to the next.
    expect(builtRun(['--dir', 'store', 'get', 'nobody']).code).toBe(1);
    expect(builtRun(['--dir', 'store', 'bogus']).code).toBe(2);
    expect(builtRun(['--version']).out.trim()).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('serves the inspector from the same place as the sources (kvscope serve)', async () => {
    const child = spawn(process.execPath, [built, 'serve', 'store', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const page = await fetch(url);
      // Where the page comes from: out/renderer beside out/cli, as for the sources (src/host).
      if (fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) {
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<div id="root">');
      } else {
        expect(page.status).not.toBe(200);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});
