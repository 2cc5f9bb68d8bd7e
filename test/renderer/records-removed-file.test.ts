import { describe, expect, it } from 'vitest';
import { fileAfterRemoval, isFileGone } from '../../src/renderer/src/components/RecordsView.js';
import type { SegmentFileInfo } from '../../src/shared/contract.js';
import { ApiError } from '../../src/shared/errors.js';

function info(file: string, role: SegmentFileInfo['role'], oldestSequence: number | null): SegmentFileInfo {
  return { file, role, id: Number(file.slice(0, 6)), bytes: 100, records: 1, liveBytes: 0, staleBytes: 0, tombstoneBytes: 0, corruptBytes: 0, metaBytes: 0, oldestSequence, newestSequence: oldestSequence, active: false };
}

describe('the Records view leaving a file that went', () => {
  it('tells a file that went from other things not found', () => {
    expect(isFileGone(new ApiError('NOT_FOUND', 'No data or hint file named 000779.data in this store', { file: '000779.data' }), '000779.data')).toBe(true);
    // The same error over the wire (a plain shape, or bridge-encoded) says the same.
    expect(isFileGone({ code: 'NOT_FOUND', message: 'x', details: { file: '000779.data' } }, '000779.data')).toBe(true);
    expect(isFileGone(new ApiError('NOT_FOUND', 'No data or hint file named 000780.data in this store', { file: '000780.data' }), '000779.data')).toBe(false);
    expect(isFileGone(new ApiError('NOT_FOUND', 'No record starts at offset 9 of 000779.data'), '000779.data')).toBe(false);
    expect(isFileGone(new ApiError('IO', 'EIO', { file: '000779.data' }), '000779.data')).toBe(false);
  });

  it('moves to the data file holding the oldest records, not the first by number (a compaction numbers its outputs after the active segment)', () => {
    const files = [info('000790.data', 'data', 9000), info('000791.data', 'data', 12), info('000791.hint', 'hint', null), info('000792.data', 'data', 4000)];
    expect(fileAfterRemoval(files, new Set(['000779.data']))).toBe('000791.data');
    // Never a file found gone, even from a list read before it went.
    expect(fileAfterRemoval(files, new Set(['000791.data']))).toBe('000792.data');
    // No data file left: the first file left; nothing left: none.
    expect(fileAfterRemoval([info('000791.hint', 'hint', null)], new Set())).toBe('000791.hint');
    expect(fileAfterRemoval([info('000791.data', 'data', 1)], new Set(['000791.data']))).toBe('');
  });
});
