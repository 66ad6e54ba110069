// Writing a file or a folder so that it is either complete or absent: the bytes go to a
// temporary name in the same folder (same filesystem, so the rename is atomic) and are renamed
// into place only when fully written. On any failure the temporary copy is removed and the
// target is untouched. The one home of atomic writes (model weights, cards, checkpoints, zarr
// chunks and metadata, kernelspecs, TIFF/PNG/HTML outputs).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { PssrError } from "../errors.js";

export interface AtomicWriteOptions {
  /** Create missing parent folders (default false: a missing folder is an error naming it). */
  createFolder?: boolean;
  /** fsync the file before the rename (default true; zarr chunks skip it: many small files, each rewritable). */
  durable?: boolean;
}

/** The temporary name used while `path` is being written (hidden, unique per call). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

function folderError(folder: string, path: string, e?: unknown): PssrError {
  return e === undefined
    ? new PssrError("file-not-found", `cannot write: ${folder} is not a folder`, { file: path })
    : new PssrError("file-not-found", `cannot write: the folder ${folder} does not exist`, { file: path, cause: e });
}

/** A failed write as one line naming the destination (permissions, a folder in the way, a full disk). */
function writeError(e: unknown, path: string): unknown {
  if (e instanceof PssrError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new PssrError("invalid-argument", `cannot write: permission denied`, { file: path, cause: e });
  }
  if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST") {
    return new PssrError("invalid-argument", `cannot write: a folder of that name is in the way`, { file: path, cause: e });
  }
  if (code === "ENOSPC") return new PssrError("invalid-argument", `cannot write: no space left on the device`, { file: path, cause: e });
  return e;
}

/**
 * Writes `bytes` (or the chunks `produce` yields) to `path` atomically. Errors about the
 * destination become PssrErrors naming it; a partial file is never left behind.
 */
export async function atomicWriteFile(
  path: string,
  bytes: Uint8Array | string | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>),
  options: AtomicWriteOptions = {},
): Promise<void> {
  const folder = dirname(path);
  if (options.createFolder) await mkdir(folder, { recursive: true }).catch((e) => Promise.reject(writeError(e, path)));
  try {
    const s = await stat(folder);
    if (!s.isDirectory()) throw folderError(folder, path);
  } catch (e) {
    if (e instanceof PssrError) throw e;
    throw folderError(folder, path, e);
  }
  const tmp = temporaryPathFor(path);
  let handle;
  try {
    handle = await open(tmp, "wx");
    if (bytes instanceof Uint8Array || typeof bytes === "string") {
      await handle.writeFile(bytes);
    } else {
      for await (const chunk of bytes()) await handle.write(chunk);
    }
    if (options.durable ?? true) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(e, path);
  }
}

/** atomicWriteFile for synchronous callers (model files, cards, JSON metadata). */
export function atomicWriteFileSync(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const folder = dirname(path);
  try {
    if (options.createFolder) mkdirSync(folder, { recursive: true });
    if (!statSync(folder).isDirectory()) throw folderError(folder, path);
  } catch (e) {
    if (e instanceof PssrError) throw e;
    throw (e as NodeJS.ErrnoException).code === "ENOENT" ? folderError(folder, path, e) : writeError(e, path);
  }
  const tmp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx");
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    for (let off = 0; off < buf.byteLength; ) off += writeSync(fd, buf, off, buf.byteLength - off);
    if (options.durable ?? true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write's own error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw writeError(e, path);
  }
}

/** A fresh, empty temporary folder beside `finalDir`, to be filled and then put in place by replaceDirectory. */
export function temporaryDirFor(finalDir: string): string {
  const tmp = temporaryPathFor(finalDir);
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

/**
 * Puts the filled folder `tmpDir` in place of `finalDir`. The previous version stays complete,
 * as `<finalDir>.old`, until the new one is in place (a reader after a kill mid-swap finds one
 * of the two), and is removed afterwards.
 */
export function replaceDirectory(tmpDir: string, finalDir: string): void {
  const old = `${finalDir}.old`;
  try {
    rmSync(old, { recursive: true, force: true });
    if (existsSync(finalDir)) renameSync(finalDir, old);
    renameSync(tmpDir, finalDir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    // Put the previous version back if the new one did not make it.
    if (!existsSync(finalDir) && existsSync(old)) renameSync(old, finalDir);
    rmSync(tmpDir, { recursive: true, force: true });
    throw writeError(e, finalDir);
  }
}
