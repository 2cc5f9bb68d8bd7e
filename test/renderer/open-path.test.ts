import { describe, expect, it } from 'vitest';
import { PathSchema } from '../../src/shared/contract.js';
import { isAbsolutePathText, relativePathProblem } from '../../src/shared/path-text.js';

describe('the open screen\'s path check', () => {
  it('takes exactly the paths the contract takes (so a relative one is said beside the field, never a BAD_REQUEST)', () => {
    for (const p of ['/', '/work/x', '~', '~/data', 'C:\\data', 'c:/data', 'demo-data', './demo-data', '../x', '~bob/x', 'data/~/x', 'C:data']) {
      expect(isAbsolutePathText(p), p).toBe(PathSchema.safeParse(p).success);
    }
    expect(isAbsolutePathText('demo-data')).toBe(false);
  });

  it('says plainly that the path must be a full one, without an error code', () => {
    const text = relativePathProblem('demo-data');
    expect(text).toContain('"demo-data" is a relative path');
    expect(text).toContain('starting with /');
    expect(text).not.toMatch(/BAD_REQUEST|Invalid request/);
  });
});
