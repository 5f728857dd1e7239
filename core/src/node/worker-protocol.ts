// Messages between the WorkerPool (main thread) and worker-entry.ts, and the handler module contract.

/** What a job handler returns: the result, and the ArrayBuffers to transfer (not copy) back. */
export interface WorkerReply<Res> {
  result: Res;
  transfer?: ArrayBuffer[];
}

export interface WorkerHandler<Req, Res, Ctl = unknown> {
  run(job: Req): WorkerReply<Res>;
  /** Broadcast messages (e.g. new epoch keys); applied in order with the jobs. */
  control?(message: Ctl): void;
}

/** A handler module exports `createHandler(init)`; the pool loads it inside every worker. */
export interface WorkerHandlerModule<Req, Res, Ctl = unknown> {
  createHandler(init: unknown): WorkerHandler<Req, Res, Ctl> | Promise<WorkerHandler<Req, Res, Ctl>>;
}

export type WorkerRequest<Req, Ctl> =
  | { kind: 'job'; id: number; job: Req }
  /** Jobs posted in one event-loop turn travel together (one message each way, not one per job). */
  | { kind: 'batch'; items: { id: number; job: Req }[] }
  | { kind: 'control'; id: number; control: Ctl };

export type WorkerResponse<Res> =
  | { id: number; ok: true; result: Res; busyMs: number }
  | { id: number; ok: false; error: { name: string; message: string; reason: string | undefined }; busyMs: number };

/**
 * URL of a module next to `importMetaUrl`, with the extension the caller runs under: `.ts` when
 * running from source under tsx, `.js` from dist.
 */
export function siblingModuleUrl(importMetaUrl: string, baseName: string): URL {
  const ext = new URL(importMetaUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${baseName}${ext}`, importMetaUrl);
}
