// Typed user-facing errors. The CLI prints their message as one line and exits non-zero;
// anything that is not a PssrError is a bug and shows its stack with --verbose.

export type ErrorCode =
  | "file-not-found"
  | "not-an-image"
  | "corrupt-file"
  | "unsupported-format"
  | "empty-image"
  | "invalid-argument"
  | "shape-mismatch"
  | "non-finite-pixels"
  | "unknown-name"
  | "backend-unavailable"
  | "model-invalid"
  | "training-failed"
  | "interrupted"
  | "worker-died";

export class PssrError extends Error {
  readonly code: ErrorCode;
  /** The file the problem is about, when there is one. */
  readonly file?: string;

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.name = "PssrError";
    this.code = code;
    this.file = options.file;
  }
}

/** A bad option or parameter value given by the user. */
export function invalidArgument(message: string): PssrError {
  return new PssrError("invalid-argument", message);
}

/** Lists valid names in the error, e.g. for an unknown recipe or preset. */
export function unknownName(kind: string, name: string, valid: readonly string[]): PssrError {
  return new PssrError("unknown-name", `unknown ${kind} "${name}"; valid: ${valid.join(", ")}`);
}

export function isPssrError(e: unknown): e is PssrError {
  return e instanceof PssrError;
}
