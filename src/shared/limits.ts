/** Bounds shared by the schemas and the UI (plain data, no zod, so the renderer bundle stays small). */
export const LIMITS = {
  pathChars: 4096,
  keyChars: 65_536,
  /** Base64 of a value written through the inspector (~48 MiB of bytes). */
  valueBase64Chars: 64 * 1024 * 1024,
  patternChars: 1024,
  windowMax: 2000,
  /** Default bytes of a value returned by one getValue call. */
  valueWindowDefault: 1024 * 1024,
  valueWindowMax: 8 * 1024 * 1024,
  treeNodesMax: 5000,
  /** Values one largestValues request lists. */
  largestValuesMax: 1000,
  /** Prefixes and keys one dead-space result lists, each. */
  deadSpaceMax: 500,
  recentMax: 20,
  /** Rows of the record table per request. */
  recordWindowMax: 1000,
  /** Bytes of a file per readBytes request (hex pane pages). */
  bytesWindowMax: 256 * 1024,
} as const;

/** The HTTP header the browser host expects the token in. */
export const TOKEN_HEADER = 'x-kvscope-token';

/**
 * The HTTP header (and `page` query parameter of the /events WebSocket) naming
 * the page a request comes from: a random id per page load. The browser host
 * closes the stores a page opened once its WebSocket has been gone for a
 * while (the page crashed or was killed), so they do not keep the writer lock.
 */
export const PAGE_HEADER = 'x-kvscope-page';
/** What a page id looks like (anything else is ignored). */
export const PAGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
