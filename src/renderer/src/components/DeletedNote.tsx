/**
 * What the value pane says for a key without a live value: where it was deleted (its newest record, a
 * tombstone: file @ offset and sequence, with a button to its bytes) and what its history offers, or, while the
 * history is loading or when its newest record is not a tombstone, only that it has no live value.
 */
import { useContext } from 'react';
import type { VersionInfo } from '../../../shared/contract.js';
import { sequenceText } from '../../../shared/sequence-text.js';
import { NotWritableReason } from '../write-hint.js';

interface Props {
  /** The key's history (oldest first), once it has arrived. */
  versions: readonly VersionInfo[] | undefined;
  readOnly: boolean;
  onOpenRecord: ((file: string, offset: number) => void) | undefined;
}

export function DeletedNote({ versions, readOnly, onOpenRecord }: Props) {
  const notWritable = useContext(NotWritableReason);
  const newest = versions?.[versions.length - 1];
  if (!newest || newest.kind !== 'delete') return <div className="muted">This key has no live value (it was deleted).</div>;
  const older = versions!.filter((v) => v.kind === 'put' && v.status !== 'corrupt').length;
  const offer =
    older === 0
      ? 'No earlier value of it is left in the log.'
      : `History: ${older === 1 ? '1 earlier value' : `${older} earlier values`} to View${
          notWritable !== null ? '' : readOnly ? ' (switch to read-write to restore one)' : ' or Restore (undelete: written again as the newest version)'
        }.`;
  const where = `${newest.location.file} @ ${newest.location.offset}`;
  const when = sequenceText(newest.location);
  return (
    <div className="notice small notice-row deleted-note" role="status" aria-label="Deleted key">
      <span>
        <b>Deleted</b> at <span className="mono">{where}</span> <span className="muted mono">({/^\d+$/.test(when) ? `seq ${when}` : when})</span>. No live value. {offer}
      </span>
      {onOpenRecord && (
        <button type="button" className="small-button" onClick={() => onOpenRecord(newest.location.file, newest.location.offset)} aria-label={`Bytes of the tombstone at ${where}`}>
          Tombstone bytes
        </button>
      )}
    </div>
  );
}
