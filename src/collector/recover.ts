// Finds the rotated copy of content we were reading, by content rather than by name: after a
// copytruncate the unread rest of a file lives in a copy (a new inode: app.log.1, app.log-2026…,
// app.1.log, maybe gzipped), and after a rename rotation while we were stopped the file may have
// been compressed into a new inode. A copy is the same content if its first line has our
// fingerprint and the bytes before our offset hash to our window.
import { lstat, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { fingerprintBytes, FINGERPRINT_BYTES, identityKey } from './fingerprint.js';
import { compressionOf, shortHash, windowStart } from './identity.js';

/** What the content we look for is known by. */
export interface Wanted {
  /** The file's last path (its directory is searched, names sharing its stem first). */
  path: string;
  fingerprint: string;
  /** Offset read up to, and the hash of the window that ends there ('' when offset is 0). */
  offset: number;
  window: string;
  /** Identities not to consider (the live file at the path). */
  exclude: Set<string>;
  /**
   * How far the content was read (past `offset` when lines were read but not yet spooled). Given,
   * a copy with our first line that ends before `offset` and not after this is taken as ours, cut
   * short: copytruncate copied the file, we read lines written before its truncate, and the
   * copy does not hold them (see findCopy).
   */
  seen?: number;
}

/** A found copy: its bytes from an offset on, as chunks. */
export interface Copy {
  path: string;
  /** Identity key of the copy (so it is not read again as a file of its own). */
  key: string;
  /** Modification time of the copy (orders the copies of successive generations). */
  mtime: number;
  compressed: boolean;
  /**
   * The copy ends before the wanted offset: it holds nothing we have not read (findCopy with
   * `seen`). It still tells which copies came after it (newerCopies).
   */
  short?: boolean;
  /** Bytes of its content (uncompressed; modulo 2^32 for gzip), where known. */
  size?: number;
  /**
   * Yields [chunk, offset of its first byte] from `from` to the end of the copy. The copy is
   * opened by its identity: a rotation that renamed it since it was found (app.log.1 →
   * app.log.2) does not make us read whatever took its name. Throws CopyGone if it was deleted.
   */
  read(from: number): AsyncGenerator<[Buffer, number]>;
}

/** A copy was deleted (or is nowhere among the copies any more) before it could be read. */
export class CopyGone extends Error {
  constructor(readonly path: string) {
    super(`the rotated copy "${path}" was removed before it could be read`);
  }
}

/** Most directory entries examined per search (a log directory with thousands of archives). */
const MAX_CANDIDATES = 64;

/** The stem copies of a file share: "app" for app.log (app.log.1, app-2026.log, app.1.log). */
export function stemOf(path: string): string {
  const name = basename(path);
  const ext = extname(name);
  return ext && ext !== name ? name.slice(0, -ext.length) : name;
}

/** How long a search keeps looking while the directory is still changing (a rotation mid-shuffle). */
const SETTLE_MS = 3000;

/** Test seams and tracing for a search. */
export interface SearchHooks {
  /** Called after each directory listing, before the entries are looked at (tests rename files here). */
  afterList?(): Promise<void> | void;
  trace?(message: string): void;
}

interface Listed {
  path: string;
  name: string;
  mtime: number;
  /** Birth time in ms (0 where the file system does not keep one). */
  birth: number;
  size: number;
  key: string;
}

/**
 * The directory's files sharing the stem of `path` (not the path itself), with their identity,
 * and whether the listing was stable: an entry that vanished between the listing and its stat
 * (a rotation renaming copies while we looked) makes it unstable.
 */
async function listCopies(path: string, hooks: SearchHooks, deep = false): Promise<{ files: Listed[]; stable: boolean; signature: string }> {
  const dir = join(path, '..');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { files: [], stable: true, signature: '' };
  }
  await hooks.afterList?.();
  const stem = stemOf(path);
  const own = basename(path);
  const files: Listed[] = [];
  let stable = true;
  const look = async (p: string, name: string) => {
    try {
      const st = await stat(p);
      if (!st.isFile()) return;
      files.push({ path: p, name, mtime: st.mtimeMs, birth: st.birthtimeMs, size: st.size, key: identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs }) });
    } catch (err) {
      // A dangling symlink is a steady state; a name that vanished means a rename is under way.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await isSymlink(p))) stable = false;
    }
  };
  for (const name of names) if (name !== own && name.startsWith(stem)) await look(join(dir, name), name);
  // logrotate's `olddir` (and its like) moves the copies into a directory beside the file.
  if (deep) {
    for (const sub of await subdirectories(dir)) {
      for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
        if (name.startsWith(stem)) await look(join(dir, sub, name), `${sub}/${name}`);
      }
    }
  }
  const signature = files
    .map((f) => `${f.name}=${f.key}`)
    .sort()
    .join('|');
  return { files, stable, signature };
}

/** Most subdirectories of a log directory searched for moved copies (olddir). */
const MAX_SUBDIRS = 32;

/**
 * The directories right under `dir` (not symlinks), by name, at most MAX_SUBDIRS: where a
 * rotation program configured with an "old" directory (logrotate's olddir) puts the copies.
 */
export async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .slice(0, MAX_SUBDIRS);
  } catch {
    return [];
  }
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Listings of the copies of `path`, one after another, until two in a row agree and nothing
 * vanished while listing, or SETTLE_MS has passed; `last` marks the final one. A rotation program
 * renames the older copies one by one (app.log.1 → app.log.2 …) before it makes the new one: a
 * listing taken meanwhile can miss a copy that is between two names.
 */
async function* listingsUntilSettled(path: string, hooks: SearchHooks, deep = false): AsyncGenerator<{ files: Listed[]; stable: boolean; settled: boolean; last: boolean; pass: number }> {
  const deadline = Date.now() + SETTLE_MS;
  let previous: string | null = null;
  for (let pass = 1; ; pass++) {
    const { files, stable, signature } = await listCopies(path, hooks, deep);
    const settled = stable && signature === previous;
    const last = settled || Date.now() >= deadline;
    yield { files, stable, settled, last, pass };
    if (last) return;
    previous = stable ? signature : null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Looks for a copy of the wanted content in the file's directory and the directories right
 * under it (logrotate's olddir); null if there is none.
 * A search that finds nothing looks again until the directory is settled (listingsUntilSettled).
 * With `want.seen`, a copy that starts with our first line but ends before the offset is
 * returned as `short` when no copy holds the offset: copytruncate copied the file, then we read
 * lines written before its truncate that the copy does not have. It holds nothing unread, but
 * copies made after it hold generations we never saw (newerCopies). The newest such is taken.
 */
export async function findCopy(want: Wanted, hooks: SearchHooks = {}): Promise<Copy | null> {
  let short: Copy | null = null;
  // Content is recognised whatever the name, so directories beside the file are searched too.
  for await (const { files, stable, settled, pass } of listingsUntilSettled(want.path, hooks, true)) {
    const candidates = files.filter((f) => !want.exclude.has(f.key));
    // Newest first: the copy made by the rotation we just saw is usually the newest.
    candidates.sort((a, b) => b.mtime - a.mtime);
    short = null;
    for (const c of candidates.slice(0, MAX_CANDIDATES)) {
      const kind = compressionOf(c.path);
      if (kind === 'other') continue;
      // Looked at through one descriptor, checked to be the file listed: a rotation renaming
      // copies meanwhile (app.log.1 → app.log.2) makes us skip it here, and the next listing
      // (which differs) finds it under its new name.
      const fh = await openIf(c.path, c.key);
      if (!fh) continue;
      let found: Match;
      try {
        found = kind === 'gzip' ? await compareGzip(fh, want) : await comparePlain(fh, want);
      } catch {
        found = null; // damaged, or not gzip after all
      } finally {
        await fh.close();
      }
      if (found?.kind === 'full') {
        hooks.trace?.(`copy of "${want.path}" (offset ${want.offset}) found in "${c.path}" (${c.key}) on search ${pass}`);
        return copyOf(want.path, c, kind === 'gzip', found);
      }
      if (found?.kind === 'short') short ??= copyOf(want.path, c, kind === 'gzip', found);
    }
    hooks.trace?.(`no copy of "${want.path}" (offset ${want.offset}) among ${candidates.length} candidate(s) on search ${pass}${stable ? '' : ' (an entry vanished while looking)'}${settled ? '; the directory is settled' : ''}`);
  }
  if (short) hooks.trace?.(`"${short.path}" (${short.key}) starts with the content of "${want.path}" and ends before offset ${want.offset}: a copy made before the last lines we read`);
  return short;
}

/**
 * Copies made after `than` that we know nothing of: whole generations that were copied away
 * between two looks (two copytruncates while the collector was down or busy). Oldest first.
 * A copy whose first line is `current` (the fingerprint of what the file holds now) is a copy of
 * the generation we are about to read from the file itself: it is left to that generation's own
 * rotation, or it would be read twice.
 */
export async function newerCopies(path: string, than: Copy, known: (key: string) => boolean, exclude: Set<string>, current: string, hooks: SearchHooks = {}): Promise<Copy[]> {
  // As in findCopy: a listing taken while a rotation renames copies can miss one. Whole
  // unknown files are taken from the file's own directory and from the one its copy `than` was
  // found in (logrotate's olddir moves every copy there), not from other directories under it.
  const dirs = new Set([dirname(path), dirname(than.path)]);
  let files: Listed[] = [];
  for await (const listed of listingsUntilSettled(path, hooks, dirs.size > 1)) files = listed.files;
  const out: Copy[] = [];
  const own = basename(path);
  for (const f of files) {
    if (f.size === 0 || f.key === than.key || exclude.has(f.key) || known(f.key) || f.mtime <= than.mtime || !dirs.has(dirname(f.path))) continue;
    // Read whole and unverified, so only a name a rotation gives it (app.log.1, app-2026….log),
    // never another application's file that shares the stem (app-worker.log).
    if (!isRotatedName(basename(f.path), own)) continue;
    const kind = compressionOf(f.path);
    if (kind === 'other') continue;
    const compressed = kind === 'gzip';
    if (current !== '' && (await headFingerprint(f.path, compressed)) === current) {
      hooks.trace?.(`"${f.path}" (${f.key}) is a copy of the generation the file holds now: left to its rotation`);
      continue;
    }
    out.push(copyOf(path, f, compressed));
  }
  hooks.trace?.(`copies of "${path}" newer than "${than.path}" not read yet: ${out.map((c) => `"${c.path}" (${c.key})`).join(', ') || 'none'}`);
  return out.sort((a, b) => a.mtime - b.mtime);
}

/**
 * Whether `name` can be a rotated name of the file `own` (app.log): app.log.1, app.log-20261130,
 * app.log.1.gz, or with the stem: app.1.log, app-20261130.log. Not app.logger, not apple.log.
 */
export function isRotatedName(name: string, own: string): boolean {
  if (name === own) return false;
  if (name.startsWith(own) && /^[.\-_]/.test(name.slice(own.length))) return true;
  const stem = stemOf(own);
  return stem !== own && name.startsWith(stem) && /^[.\-_]\d/.test(name.slice(stem.length));
}

/** A file found by unseenGenerations(). */
export interface Unseen {
  path: string;
  key: string;
  birth: number;
}

/**
 * Files that were at `path` only between two rotations and that we never saw there: the
 * collector was killed or busy right after one rotation (before it looked at the new file) and
 * the next rotation renamed that file away (app.log → app.log.1). A literal path, or a glob that
 * does not match rotated names, never names it again. They are the directory's files with a
 * rotated name of `path`, born after the last file we knew at the path (`after`) and before the
 * one there now (`before`), that we know nothing of. Born-after-`after` keeps the archives from
 * before we knew the path out; born-before-`before` keeps copies made by later rotations out
 * (logrotate compresses after it creates the new file). A file that holds the first line and the
 * window of content we know (`contents`: a copy of it, plain or gzip) is left to that content.
 * Other compressed ones are only reported (`skipped`), not read. Oldest first.
 * Needs birth times; where the file system keeps none, nothing is returned.
 */
export async function unseenGenerations(
  path: string,
  after: number,
  before: number,
  known: (key: string) => boolean,
  contents: Pick<Wanted, 'fingerprint' | 'offset' | 'window'>[],
  hooks: SearchHooks = {},
): Promise<{ files: Unseen[]; skipped: Unseen[] }> {
  if (!(after > 0 && before > after)) return { files: [], skipped: [] };
  // As in findCopy: a listing taken while a rotation renames copies can miss one.
  let listed: Listed[] = [];
  for await (const l of listingsUntilSettled(path, hooks)) listed = l.files;
  const own = basename(path);
  // Only content read past its first line has a window that tells a copy from a file that
  // merely starts with the same line (every generation may start with the same header).
  const windowed = contents.filter((w) => w.offset > 0 && w.window !== '');
  const files: Unseen[] = [];
  const skipped: Unseen[] = [];
  for (const f of listed) {
    if (f.size === 0 || !isRotatedName(f.name, own) || known(f.key)) continue;
    // Strictly between. After the file we knew, in whole milliseconds as keys carry its birth:
    // the file system's clock is coarse (it moves every few ms), and files made in one go share
    // a tick — archives written with the file we knew. Before the new file, exactly: a file born
    // in the same tick as it has the same stamp (a copy compressed right after the new file was
    // created) and is left out, but where the kernel hands out fine-grained stamps, two
    // rotations within one millisecond leave a file born a fraction of a millisecond earlier
    // (chaos test "stalled across two rotations": app.log.1 born 0.44 ms before app.log).
    const birth = Math.floor(f.birth);
    if (birth <= Math.floor(after) || f.birth >= before) continue;
    const kind = compressionOf(f.path);
    if (await holdsAny(f, kind, windowed)) hooks.trace?.(`"${f.path}" (${f.key}) holds content we know: a copy, left to it`);
    else (kind === null ? files : skipped).push({ path: f.path, key: f.key, birth });
  }
  hooks.trace?.(`files that were at "${path}" between births ${after} and ${before} and never seen there: ${files.map((f) => `"${f.path}" (${f.key})`).join(', ') || 'none'}`);
  return { files: files.sort((a, b) => a.birth - b.birth), skipped };
}

/** Whether a file (plain or gzip) holds one of the contents (same first line, same window). */
async function holdsAny(f: Listed, kind: ReturnType<typeof compressionOf>, contents: Pick<Wanted, 'fingerprint' | 'offset' | 'window'>[]): Promise<boolean> {
  if (kind === 'other') return false;
  for (const w of contents) {
    const want = { ...w, path: f.path, exclude: new Set<string>() };
    if (await (kind === 'gzip' ? matchGzip(f.path, want) : matchPlain(f.path, want))) return true;
  }
  return false;
}

/** The fingerprint of a file's first line (decompressed if it is gzip); null if unreadable. */
async function headFingerprint(path: string, compressed: boolean): Promise<string | null> {
  try {
    let head: Buffer;
    if (compressed) {
      const parts: Buffer[] = [];
      let n = 0;
      for await (const [chunk] of gunzipChunks(path)) {
        parts.push(chunk);
        n += chunk.length;
        if (n >= FINGERPRINT_BYTES) break;
      }
      head = Buffer.concat(parts).subarray(0, FINGERPRINT_BYTES);
    } else {
      const fh = await open(path, 'r');
      try {
        head = Buffer.alloc(FINGERPRINT_BYTES);
        const { bytesRead } = await fh.read(head, 0, head.length, 0);
        head = head.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    }
    return fingerprintBytes(head, head.length, head.length < FINGERPRINT_BYTES);
  } catch {
    return null;
  }
}

/**
 * full: the copy holds the wanted offset; short: it is ours but ends before it (Wanted.seen).
 * With the size of its content (uncompressed).
 */
type Match = { kind: 'full' | 'short'; size: number } | null;

/** Opens `path` if it is still the file `key` names (null: gone, or another file took the name). */
async function openIf(path: string, key: string): Promise<FileHandle | null> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return null;
  const st = await fh.stat().catch(() => null);
  if (st && identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs }) === key) return fh;
  await fh.close();
  return null;
}

/** Opens the copy `key` names: at `path`, or wherever a rotation moved it since among the copies of `owner`. */
async function openByKey(path: string, key: string, owner: string): Promise<FileHandle | null> {
  const fh = await openIf(path, key);
  if (fh) return fh;
  for await (const { files } of listingsUntilSettled(owner, {}, true)) {
    const f = files.find((x) => x.key === key);
    const moved = f ? await openIf(f.path, key) : null;
    if (moved) return moved;
  }
  return null;
}

/** A copy of `owner`'s content found at `f`, read by identity (see Copy.read). */
function copyOf(owner: string, f: { path: string; key: string; mtime: number }, compressed: boolean, found?: Match): Copy {
  const copy: Copy = { path: f.path, key: f.key, mtime: f.mtime, compressed, read: (from) => readByKey(f.path, f.key, owner, compressed, from) };
  if (found) copy.size = found.size;
  if (found?.kind === 'short') copy.short = true;
  return copy;
}

async function* readByKey(path: string, key: string, owner: string, compressed: boolean, from: number): AsyncGenerator<[Buffer, number]> {
  const fh = await openByKey(path, key, owner);
  if (!fh) throw new CopyGone(path);
  try {
    yield* compressed ? gunzipHandle(fh, from) : readHandle(fh, from);
  } finally {
    await fh.close();
  }
}

/** Reads an open plain file from an offset to its end, as chunks with their offsets. */
async function* readHandle(fh: FileHandle, from: number): AsyncGenerator<[Buffer, number]> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = from;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    yield [buf.subarray(0, bytesRead), pos];
    pos += bytesRead;
  }
}

/** Whether the start of some bytes has the wanted fingerprint. */
function headMatches(head: Buffer, want: Pick<Wanted, 'fingerprint'>): boolean {
  const final = head.length < FINGERPRINT_BYTES;
  return fingerprintBytes(head, head.length, final) === want.fingerprint;
}

/** How an open plain file compares with the wanted content. */
async function comparePlain(fh: FileHandle, want: Wanted): Promise<Match> {
  const { size } = await fh.stat();
  if (size === 0) return null;
  const head = Buffer.alloc(FINGERPRINT_BYTES);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  if (!headMatches(head.subarray(0, bytesRead), want)) return null;
  if (size < want.offset) return want.seen !== undefined ? { kind: 'short', size } : null;
  if (want.offset > 0) {
    const at = windowStart(want.offset);
    const win = Buffer.alloc(want.offset - at);
    const r = await fh.read(win, 0, win.length, at);
    if (r.bytesRead !== win.length || shortHash(win) !== want.window) return null;
  }
  return { kind: 'full', size };
}

/** Whether a plain file holds the wanted content (its first line, and the window at the offset). */
async function matchPlain(path: string, want: Wanted): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return false;
  try {
    return (await comparePlain(fh, { ...want, seen: undefined }))?.kind === 'full';
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/** How an open gzip file's content compares with the wanted content. */
async function compareGzip(fh: FileHandle, want: Wanted): Promise<Match> {
  // The gzip trailer holds the uncompressed size modulo 2^32: a cheap first filter.
  const st = await fh.stat();
  if (st.size < 18) return null;
  const trailer = Buffer.alloc(4);
  await fh.read(trailer, 0, 4, st.size - 4);
  const isize = trailer.readUInt32LE(0);
  const shorter = want.offset < 2 ** 32 && isize < want.offset && st.size < 2 ** 31;
  if (shorter && want.seen === undefined) return null;
  // Only the first line is needed to tell a shorter copy of ours.
  const until = shorter ? 0 : want.offset;
  const head: Buffer[] = [];
  let headLen = 0;
  const winAt = windowStart(until);
  const win = Buffer.alloc(until - winAt);
  let winGot = 0;
  let end = 0;
  for await (const [chunk, at] of gunzipHandle(fh, 0)) {
    if (headLen < FINGERPRINT_BYTES) {
      const take = chunk.subarray(0, FINGERPRINT_BYTES - headLen);
      head.push(take);
      headLen += take.length;
    }
    const chunkEnd = at + chunk.length;
    if (chunkEnd > winAt && at < until) {
      const s = Math.max(winAt, at);
      const e = Math.min(until, chunkEnd);
      chunk.copy(win, s - winAt, s - at, e - at);
      winGot += e - s;
    }
    end = chunkEnd;
    if (end >= until && headLen >= Math.min(FINGERPRINT_BYTES, end)) break;
  }
  if (!headMatches(Buffer.concat(head), want)) return null;
  if (shorter) return end > 0 ? { kind: 'short', size: isize } : null;
  if (end < want.offset) return want.seen !== undefined && end > 0 ? { kind: 'short', size: end } : null;
  if (want.offset > 0 && (winGot !== win.length || shortHash(win) !== want.window)) return null;
  return { kind: 'full', size: isize };
}

/** Whether a gzip file holds the wanted content; the copy reads it from an offset on. */
export async function matchGzip(path: string, want: Wanted): Promise<Omit<Copy, 'key' | 'mtime'> | null> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return null;
  let found: Match;
  try {
    found = await compareGzip(fh, { ...want, seen: undefined });
  } catch {
    found = null; // damaged or not gzip after all
  } finally {
    await fh.close();
  }
  return found?.kind === 'full' ? { path, compressed: true, read: (from: number) => gunzipChunks(path, from) } : null;
}

/** Decompresses an open gzip file as chunks with their offsets in the uncompressed content, from `from` on. */
async function* gunzipHandle(fh: FileHandle, from: number): AsyncGenerator<[Buffer, number]> {
  // The handle stays open (its owner closes it); a read error ends the decompression with it.
  const source = fh.createReadStream({ start: 0, autoClose: false });
  const stream = source.pipe(createGunzip());
  source.on('error', (err) => stream.destroy(err));
  let pos = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const end = pos + chunk.length;
      if (end > from) {
        const s = Math.max(0, from - pos);
        yield [s > 0 ? chunk.subarray(s) : chunk, pos + s];
      }
      pos = end;
    }
  } finally {
    stream.destroy();
    source.destroy();
  }
}

/** Decompresses a gzip file as chunks with their offsets in the uncompressed content, from `from` on. */
export async function* gunzipChunks(path: string, from = 0): AsyncGenerator<[Buffer, number]> {
  const fh = await open(path, 'r');
  try {
    yield* gunzipHandle(fh, from);
  } finally {
    await fh.close();
  }
}
