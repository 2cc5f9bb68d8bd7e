/**
 * What a read-only session tells the user to do before a write: switch to
 * read-write, or, when this session can never write, why not and how to get
 * one that can (the host was started without --read-write; a foreign format).
 */
import { createContext, useContext } from 'react';

/** The reason this session cannot be switched to read-write, or null when it can. */
export const NotWritableReason = createContext<string | null>(null);

/** "Switch to read-write to <action>", or the reason writing is impossible here. */
export function useWriteHint(action: string): string {
  const reason = useContext(NotWritableReason);
  return reason ?? `Switch to read-write to ${action}`;
}
