// Writing a file so that it is either complete or absent: the bytes go to a temporary name in
// the same folder (same filesystem, so the rename is atomic) and are renamed into place only
// when fully written. On any failure the temporary file is removed and the target is untouched.
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { PssrError } from "../errors.js";

/** The temporary name used while `path` is being written (hidden, unique per call). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Writes `bytes` (or the chunks `produce` yields) to `path` atomically. Errors about the
 * destination become PssrErrors naming it; a partial file is never left behind.
 */
export async function atomicWriteFile(path: string, bytes: Uint8Array | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>)): Promise<void> {
  const folder = dirname(path);
  try {
    const s = await stat(folder);
    if (!s.isDirectory()) throw new PssrError("file-not-found", `cannot write: ${folder} is not a folder`, { file: path });
  } catch (e) {
    if (e instanceof PssrError) throw e;
    throw new PssrError("file-not-found", `cannot write: the folder ${folder} does not exist`, { file: path, cause: e });
  }
  const tmp = temporaryPathFor(path);
  let handle;
  try {
    handle = await open(tmp, "wx");
    if (bytes instanceof Uint8Array) {
      await handle.writeFile(bytes);
    } else {
      for await (const chunk of bytes()) await handle.write(chunk);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof PssrError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new PssrError("invalid-argument", `cannot write: permission denied`, { file: path, cause: e });
    }
    if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST") {
      throw new PssrError("invalid-argument", `cannot write: a folder of that name is in the way`, { file: path, cause: e });
    }
    if (code === "ENOSPC") throw new PssrError("invalid-argument", `cannot write: no space left on the device`, { file: path, cause: e });
    throw e;
  }
}
