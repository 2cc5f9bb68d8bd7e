/**
 * Each layer imports only the ones below it (README, "Architecture"; docs/ARCHITECTURE.md names the exceptions):
 * the engine nothing of the others; the inspector service the engine and the contract; the contract (src/shared)
 * nothing with Node in it; the renderer and the preload only the contract. The exceptions are listed here by file,
 * so that a new one is a decision written down, not an accident.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const SRC = path.join(root, 'src');

/** For each layer (a directory of src/), the layers its files may import from, and single files of other layers it may import. */
const ALLOWED: Record<string, { layers: string[]; files?: string[] }> = {
  engine: { layers: [] },
  inspector: { layers: ['engine', 'shared'] },
  // The words for a damaged record's key are the engine's (its open report says them); the contract passes them on.
  shared: { layers: [], files: ['src/engine/damaged-key.ts'] },
  host: { layers: ['inspector', 'shared'] },
  // The Electron shell serves the built renderer with the browser host's static-file rules.
  main: { layers: ['inspector', 'shared'], files: ['src/host/static-files.ts'] },
  preload: { layers: ['shared'] },
  renderer: { layers: ['shared'] },
  // `serve` starts the browser host; `history --diff` diffs versions as the inspector does.
  cli: { layers: ['engine', 'shared'], files: ['src/host/index.ts', 'src/inspector/value-diff.ts'] },
};

/** Layers whose code runs in the renderer's page (bundled for it): no Node module at all. */
const NO_NODE = new Set(['shared', 'renderer']);
/** The preload runs in the sandboxed renderer: Electron's contextBridge and ipcRenderer, and nothing else of Node. */
const PRELOAD_MODULES = new Set(['electron']);

interface Import {
  from: string;
  spec: string;
  /** The file a relative import names, as a path from the repository's root with its source extension. */
  target?: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function importsOf(file: string, base = root): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    const from = path.relative(base, file);
    if (!spec.startsWith('.')) return { from, spec };
    const resolved = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
    const target = ['.ts', '.tsx', '/index.ts'].map((ext) => resolved + ext).find((p) => fs.existsSync(p)) ?? resolved;
    return { from, spec, target: path.relative(base, target) };
  });
}

function layerOf(repoPath: string): string | undefined {
  const [top, layer] = repoPath.split('/');
  return top === 'src' ? layer : undefined;
}

/** Every import that breaks the rules above: "from → what" (paths from `base`, the repository's root). */
function breaches(files: string[], base = root): string[] {
  const found: string[] = [];
  for (const file of files) {
    const layer = layerOf(path.relative(base, file))!;
    const rule = ALLOWED[layer];
    if (!rule) {
      found.push(`${path.relative(base, file)}: its layer ${layer} has no rule in layers.test.ts`);
      continue;
    }
    for (const imp of importsOf(file, base)) {
      if (!imp.target) {
        const nodeModule = imp.spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'electron'].includes(imp.spec);
        if (nodeModule && (NO_NODE.has(layer) || (layer === 'preload' && !PRELOAD_MODULES.has(imp.spec)))) {
          found.push(`${imp.from} → ${imp.spec} (no Node in code the renderer's page runs)`);
        }
        continue;
      }
      const to = layerOf(imp.target);
      if (to === undefined || to === layer || rule.layers.includes(to) || rule.files?.includes(imp.target)) continue;
      found.push(`${imp.from} → ${imp.target}`);
    }
  }
  return found;
}

describe('layers', () => {
  it('each imports only the layers below it, and the exceptions named in ALLOWED', () => {
    expect(breaches(sourceFiles(SRC))).toEqual([]);
  });

  it('an engine file the contract re-exports imports nothing but the engine and no Node (the renderer bundles it)', () => {
    for (const file of ALLOWED.shared!.files!) {
      for (const imp of importsOf(path.join(root, file))) {
        expect(imp.target === undefined ? imp.spec : layerOf(imp.target), `${file} → ${imp.spec}`).not.toMatch(/^node:|^(?!engine$)/);
      }
    }
  });

  it('finds a breach: an engine file that imports the contract, a renderer file that imports Node', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-layers-'));
    try {
      for (const d of ['src/engine', 'src/shared', 'src/renderer']) fs.mkdirSync(path.join(base, d), { recursive: true });
      fs.writeFileSync(path.join(base, 'src/shared/limits.ts'), 'export const LIMITS = 1;\n');
      const probes = [path.join(base, 'src/engine/probe.ts'), path.join(base, 'src/renderer/probe.ts')];
      fs.writeFileSync(probes[0]!, "import { LIMITS } from '../shared/limits.js';\nexport const x = LIMITS;\n");
      fs.writeFileSync(probes[1]!, "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
      expect(breaches(probes, base)).toEqual(['src/engine/probe.ts → src/shared/limits.ts', "src/renderer/probe.ts → node:fs (no Node in code the renderer's page runs)"]);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
