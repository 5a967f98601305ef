// The collector's state file: per file identity, the stream generation and the offset the
// server has acknowledged. Crash-safety rests on three rules, in this order:
//
// 1. The state never claims more than the spool or the server holds: an offset is recorded
//    here only after the batch ending there is in the spool (spool.ts), and before each save
//    the spool is synced (`beforeWrite`) unless every batch appended since its last sync was
//    acknowledged by the server already (then the server holds what the state claims, and the
//    spool's copy is not needed; this is the case of almost every save of a trickle).
// 2. A save never destroys the last good state. The file holds two copies ("slots") of the
//    state, each with a sequence number and a CRC-32; a save overwrites one slot in place with
//    a single pwrite, never the slot holding the newest state known to be on disk. A process
//    crash (SIGKILL) cannot lose a completed write (it is in the page cache); a torn write, by a
//    crash in the middle of one or by a power loss, fails its CRC and the other slot is used.
// 3. Being behind is harmless: on restart we re-send from an older offset and the server
//    drops records at or below the stream's committed offset. So writes are coalesced (at most
//    one every `minIntervalMs`, 1 s by default, as Vector's checkpointer), and the state file is
//    fsync'ed only every `syncIntervalMs` (5 s) and on flush() (shutdown, a new file or
//    generation): after a power loss the state is at most that old, which re-sends a little
//    more; a process crash loses nothing that was saved.
//
// Why not a temp file + fsync + rename + directory fsync per save (the format before): that
// cost ~640 µs of CPU per save here, most of what shipping a trickle of 10 lines/s cost beside
// syslog-ng (which keeps its state in an mmapped file without a per-second fsync); a pwrite of
// a slot costs a few µs (docs/benchmarks.md). The file is still created, grown (a state that
// outgrows its slots) and upgraded from the old plain-JSON format by an atomic replace.
//
// Layout: a 64-byte header ("LPSTATE2\n", u32 slot size), then slot 0 and slot 1 of that size
// each: u32 magic "LPSL" · u32 body length · f64 sequence · u32 CRC-32 of the length, the
// sequence and the body · body (the state as JSON, see StateFileBody). The newest slot whose
// CRC holds is the state. readStateFile() reads one for people and tests.
import { readFile } from 'node:fs/promises';
import { openSync, fsyncSync, fdatasyncSync, fstatSync, closeSync, writeFileSync, writeSync, renameSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import zlib from 'node:zlib';
import { LogpipeError } from '../shared/errors.js';
import { createLogger, type Log } from '../command/logger.js';

/** Version of the state (the JSON in each slot); version 1 was a plain JSON file, still read. */
export const STATE_VERSION = 2;
/** The plain-JSON state file of earlier collectors: loaded, and replaced by the slotted format on the first save. */
const LEGACY_VERSION = 1;
const KIND = 'logpipe-collector-state';
const FILE_MAGIC = Buffer.from('LPSTATE2\n', 'latin1');
const HEADER = 64;
const SLOT_MAGIC = 0x4c50534c; // "LPSL"
const SLOT_HEAD = 20;
const MIN_SLOT = 4096;
const crc32 = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

/** What the state file remembers about one file (one identity). */
export interface FileState {
  /** identityKey(): device, inode, birth time. */
  key: string;
  /** Where the file was last seen (for finding it again after a rotation while stopped). */
  path: string;
  fingerprint: string;
  generation: number;
  /**
   * End offset within the current generation of what is safe: in the spool (or acknowledged).
   * Reading resumes here.
   */
  offset: number;
  /** Hash of the (up to 256) bytes read that end at `windowAt` (see identity.ts); absent in old files. */
  window?: string;
  /** Where the window ends: at or past `offset` (bytes read but not yet in a batch). Default: `offset`. */
  windowAt?: number;
  /** Largest size the file was seen with (to report how much was lost if it vanishes unread). */
  size?: number;
  /** The file was rotated away or deleted and fully shipped. */
  done?: boolean;
  updated: number;
}

interface StateFileBody {
  kind: string;
  version: number;
  files: FileState[];
  /** Per stream, the highest offset the server acknowledged (spooled frames at or below it are not sent again). */
  acked?: Record<string, number>;
  /** Number of the collector's own notices sent so far (their offsets in the notice stream). */
  notices?: number;
}

/** A state file's newest intact state, and where it is (null: the plain-JSON format of version 1). */
interface ParsedState {
  body: StateFileBody;
  slots: { size: number; newest: number; seq: number } | null;
}

/** Checks the JSON of a state (either format) and throws LP_ERR_STATE_FILE saying what is wrong. */
function checkBody(path: string, body: StateFileBody, version: number): void {
  if (!body || typeof body !== 'object' || body.kind !== KIND) {
    throw new LogpipeError('LP_ERR_STATE_FILE', `The file "${path}" is not a logpipe collector state file.`);
  }
  if (body.version !== version) {
    throw new LogpipeError(
      'LP_ERR_STATE_FILE',
      `The state file "${path}" has version ${JSON.stringify(body.version)}, but this collector reads version ${STATE_VERSION} (and the plain-JSON version ${LEGACY_VERSION} of earlier collectors); use the matching logpipe version or move the file away.`,
    );
  }
  if (!Array.isArray(body.files)) throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" has no "files" list.`);
  for (const f of body.files) {
    if (typeof f?.key !== 'string' || typeof f.offset !== 'number' || typeof f.generation !== 'number' || typeof f.fingerprint !== 'string') {
      throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" has a damaged entry: ${JSON.stringify(f)}.`);
    }
  }
}

/** Parses a state file's bytes: the newest slot whose CRC holds, or a version 1 plain-JSON file. */
function parseState(path: string, buf: Buffer): ParsedState {
  if (buf.length >= HEADER && buf.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
    const size = buf.readUInt32BE(FILE_MAGIC.length);
    let best: { body: StateFileBody; slot: number; seq: number } | null = null;
    for (let slot = 0; slot < 2 && size >= SLOT_HEAD; slot++) {
      const at = HEADER + slot * size;
      if (at + SLOT_HEAD > buf.length || buf.readUInt32BE(at) !== SLOT_MAGIC) continue;
      const len = buf.readUInt32BE(at + 4);
      if (len > size - SLOT_HEAD || at + SLOT_HEAD + len > buf.length) continue;
      const crc = crc32(buf.subarray(at + SLOT_HEAD, at + SLOT_HEAD + len), crc32(buf.subarray(at + 4, at + 16))) >>> 0;
      if (crc !== buf.readUInt32BE(at + 16)) continue; // torn (a crash or power loss mid-write)
      const seq = buf.readDoubleBE(at + 8);
      let body: StateFileBody;
      try {
        body = JSON.parse(buf.toString('utf8', at + SLOT_HEAD, at + SLOT_HEAD + len));
      } catch {
        continue;
      }
      if (!best || seq > best.seq) best = { body, slot, seq };
    }
    if (!best) {
      throw new LogpipeError('LP_ERR_STATE_FILE', `Neither copy of the state in "${path}" is intact; move the file away to start over (files are then read per --from).`);
    }
    checkBody(path, best.body, STATE_VERSION);
    return { body: best.body, slots: { size, newest: best.slot, seq: best.seq } };
  }
  let body: StateFileBody;
  try {
    body = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" is not valid JSON; move it away to start over (files are then read per --from).`);
  }
  checkBody(path, body, LEGACY_VERSION);
  return { body, slots: null };
}

/** Reads a state file (either format) as its JSON: for people and tests; the collector uses Checkpoint.load. */
export function readStateFile(path: string): { files: FileState[]; acked?: Record<string, number>; notices?: number } {
  return parseState(path, readFileSync(path)).body;
}

/** One slot's bytes: head (magic, length, sequence, CRC) and the state's JSON. */
function slotBytes(text: string, seq: number): Buffer {
  const len = Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(SLOT_HEAD + len);
  out.writeUInt32BE(SLOT_MAGIC, 0);
  out.writeUInt32BE(len, 4);
  out.writeDoubleBE(seq, 8);
  out.write(text, SLOT_HEAD, 'utf8');
  out.writeUInt32BE(crc32(out.subarray(SLOT_HEAD), crc32(out.subarray(4, 16))) >>> 0, 16);
  return out;
}

/** Loads, updates and saves the collector state file (see the rules at the top). */
export class Checkpoint {
  readonly path: string;
  readonly #files = new Map<string, FileState>();
  readonly #minIntervalMs: number;
  readonly #syncIntervalMs: number;
  #dirty = false;
  #writing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #lastWrite = 0;
  #lastSync = 0;
  /** The state file, open for in-place writes (-1: not created yet, or in the old format). */
  #fd = -1;
  #slotSize = 0;
  /** The slot a save must not overwrite: the newest one known to be on disk. */
  #keepSlot = 0;
  #seq = 0;
  #lockPath: string | null = null;
  /** Number of completed writes (for tests and metrics). */
  writes = 0;
  /** Number of writes that were synced to disk (flush(), or every syncIntervalMs). */
  syncs = 0;
  /** There was no state file at start (a first run, or one deleted): identities are unknown. */
  fresh = false;
  /** Runs before each save: makes the spool durable up to what the state will claim (rule 1). */
  beforeWrite: (() => void) | null = null;
  /** Per stream, the highest offset the server acknowledged. */
  readonly acked = new Map<string, number>();
  #notices = 0;

  /** Where a failed background save is reported. */
  readonly #log: Log;

  private constructor(path: string, minIntervalMs: number, syncIntervalMs: number, log: Log) {
    this.path = path;
    this.#minIntervalMs = minIntervalMs;
    this.#syncIntervalMs = syncIntervalMs;
    this.#log = log;
  }

  /**
   * Reads the state file (a missing file is an empty state); refuses damaged or foreign files.
   * Saves come at most every `minIntervalMs`; the file is synced at most every `syncIntervalMs`.
   */
  static async load(path: string, minIntervalMs = 1000, log: Log = createLogger('collect'), syncIntervalMs = 5000): Promise<Checkpoint> {
    const cp = new Checkpoint(path, minIntervalMs, syncIntervalMs, log);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        cp.fresh = true;
        return cp;
      }
      throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" cannot be read (${code ?? (err as Error).message}).`);
    }
    const { body, slots } = parseState(path, buf);
    if (body.acked && typeof body.acked === 'object') {
      for (const [stream, offset] of Object.entries(body.acked)) if (typeof offset === 'number') cp.acked.set(stream, offset);
    }
    if (typeof body.notices === 'number') cp.#notices = body.notices;
    for (const f of body.files) cp.#files.set(f.key, f);
    if (slots) {
      cp.#slotSize = slots.size;
      cp.#keepSlot = slots.newest;
      cp.#seq = slots.seq;
      try {
        cp.#fd = openSync(path, 'r+');
        // The newest slot may be in the page cache only (the last run was killed): on disk
        // before the other slot is overwritten, so a power loss cannot tear both (rule 2).
        fdatasyncSync(cp.#fd);
      } catch (err) {
        if (cp.#fd >= 0) closeSync(cp.#fd);
        throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" cannot be opened for writing (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
      }
    }
    // Old format (version 1): the first save replaces the file with the slotted one (#create).
    return cp;
  }

  /**
   * Claims the state file for this process (a `.lock` file beside it holding our pid): two
   * collectors saving over each other's offsets would lose or repeat lines. A lock left by a
   * process that no longer exists (SIGKILL) is taken over.
   */
  lock(): void {
    const lockPath = `${this.path}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx');
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.#lockPath = lockPath;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LogpipeError('LP_ERR_STATE_FILE', `Cannot create "${lockPath}" beside the state file (${(err as NodeJS.ErrnoException).code}).`);
        }
      }
      let owner = NaN;
      try {
        owner = Number(readFileSync(lockPath, 'utf8').trim());
      } catch {
        // Removed meanwhile: try again.
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${this.path}" is in use by another collector (pid ${owner}); give each collector its own --state.`);
      }
      try {
        unlinkSync(lockPath); // stale: its process is gone
      } catch {
        // Someone else removed it.
      }
    }
    throw new LogpipeError('LP_ERR_STATE_FILE', `Cannot lock the state file "${this.path}".`);
  }

  /** Releases the lock taken by lock(). */
  unlock(): void {
    if (!this.#lockPath) return;
    try {
      unlinkSync(this.#lockPath);
    } catch {
      // Already gone.
    }
    this.#lockPath = null;
  }

  /** The remembered state of one identity. */
  get(key: string): FileState | undefined {
    return this.#files.get(key);
  }

  /** All remembered files. */
  entries(): FileState[] {
    return [...this.#files.values()];
  }

  /** Records that the server acknowledged a stream up to an offset (kept if higher). */
  setAcked(stream: string, offset: number): void {
    if ((this.acked.get(stream) ?? -1) >= offset) return;
    this.acked.set(stream, offset);
    this.#dirty = true;
    this.#schedule(true);
  }

  /** The number of the next notice (its offset in the collector's notice stream). */
  nextNotice(): number {
    this.#notices++;
    this.#dirty = true;
    this.#schedule();
    return this.#notices;
  }

  /** Records new state for one identity and schedules a save. */
  set(state: FileState): void {
    this.#files.set(state.key, state);
    this.#dirty = true;
    this.#schedule();
  }

  /** Writes now if anything changed, synced to disk, and waits for it (shutdown, a new file or generation). */
  async flush(): Promise<void> {
    for (;;) {
      this.#cancel();
      if (this.#writing) await this.#writing;
      else if (this.#dirty) await this.#write(true);
      else return;
    }
  }

  /** Last-resort synchronous save (a second signal while exiting). */
  flushSync(): void {
    if (!this.#dirty) return;
    this.#cancel();
    this.#save(true);
  }

  /** Closes the state file (after the last flush). */
  close(): void {
    this.#cancel();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  /**
   * Plans a save for a change. An acknowledgement saves on its own wake-up once three quarters
   * of the interval have passed since the last save (`due`), before the process sleeps again:
   * a trickle's saves then cost no wake-up of their own, and come right after the server took
   * the batch, so the spool need not be synced for them (rule 1). Other changes, and an
   * acknowledgement that is not due, leave it to a backstop timer (two intervals after the last
   * save), or to the next acknowledgement that is due.
   */
  #schedule(due = false): void {
    if (this.#writing || this.#immediate) return;
    const sinceLast = Date.now() - this.#lastWrite;
    // Not spread further apart while trickling (tried: every 5 s below 1 MiB acknowledged since
    // the last save): a state left at offset 0 names no window, so a file compressed away while
    // the collector was down cannot be recognised by content and its unread end was lost
    // (test/rotation-programs.test.ts, the savelog kill test, with the since removed
    // --busy-poll 1s).
    if (due && sinceLast >= this.#minIntervalMs * 0.75) {
      this.#cancel();
      this.#immediate = setImmediate(() => {
        this.#immediate = null;
        this.#write(false).catch((err) => this.#log.error(`Saving the state file "${this.path}" failed: ${(err as Error).message}`));
      });
      this.#immediate.unref();
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#write(false).catch((err) => this.#log.error(`Saving the state file "${this.path}" failed: ${(err as Error).message}`));
      },
      Math.max(0, this.#minIntervalMs * 2 - sinceLast),
    );
    this.#timer.unref();
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #serialize(): string {
    // Drop the oldest finished entries beyond a bound so the file does not grow forever.
    const all = [...this.#files.values()];
    const done = all.filter((f) => f.done).sort((a, b) => a.updated - b.updated);
    for (let i = 0; i < done.length - 1000; i++) this.#files.delete(done[i].key);
    const body: StateFileBody = { kind: KIND, version: STATE_VERSION, files: [...this.#files.values()], acked: Object.fromEntries(this.acked), notices: this.#notices };
    return JSON.stringify(body);
  }

  #write(durable: boolean): Promise<void> {
    // Synchronous on purpose: a pwrite from the page cache costs a few µs, a thread-pool trip
    // more than that (and the syncs wait on the disk either way).
    const run = async () => this.#save(durable);
    this.#writing = run().finally(() => {
      this.#writing = null;
      if (this.#dirty) this.#schedule();
    });
    return this.#writing;
  }

  /**
   * One save, step by step: (1) the spool is synced if the state would claim batches only it
   * holds (beforeWrite, rule 1); (2) the state goes into the slot that does not hold the newest
   * state known to be on disk (rule 2); (3) every syncIntervalMs, and when asked (`durable`),
   * that slot is synced and becomes the one to keep. A state that outgrew its slot, an old
   * plain-JSON file, or a file deleted under us is replaced atomically instead (#create).
   */
  #save(durable: boolean): void {
    this.#dirty = false;
    this.beforeWrite?.();
    const now = Date.now();
    const bytes = slotBytes(this.#serialize(), ++this.#seq);
    if (this.#fd < 0 || bytes.length > this.#slotSize || fstatSync(this.#fd).nlink === 0) this.#create(bytes);
    else {
      const slot = 1 - this.#keepSlot;
      const at = HEADER + slot * this.#slotSize;
      for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done, bytes.length - done, at + done);
      if (durable || now - this.#lastSync >= this.#syncIntervalMs) {
        fdatasyncSync(this.#fd);
        this.#keepSlot = slot;
        this.#lastSync = now;
        this.syncs++;
      }
    }
    this.writes++;
    this.#lastWrite = now;
  }

  /**
   * Writes a new state file with the state in slot 0 (slots twice the state's size, at least
   * 4 KiB) by an atomic replace: temp file, fsync, rename, directory fsync. A crash leaves
   * either the old file or the new one.
   */
  #create(slot: Buffer): void {
    let size = MIN_SLOT;
    while (size < slot.length * 2) size *= 2;
    const file = Buffer.alloc(HEADER + 2 * size); // slot 1 all zeros: not a slot
    FILE_MAGIC.copy(file, 0);
    file.writeUInt32BE(size, FILE_MAGIC.length);
    slot.copy(file, HEADER);
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, file);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, this.path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // Never created or already gone.
      }
      throw err;
    }
    // The rename is durable only once the directory entry is on disk.
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } catch {
      // Some file systems refuse fsync on a directory; the rename is still atomic.
    } finally {
      closeSync(dir);
    }
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = openSync(this.path, 'r+');
    this.#slotSize = size;
    this.#keepSlot = 0;
    this.#lastSync = Date.now();
    this.syncs++;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
