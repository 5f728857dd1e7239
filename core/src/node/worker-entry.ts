// Worker thread entry of the WorkerPool: loads the handler module named in workerData, then serves
// job and control messages. Results go back with their ArrayBuffers transferred (no copies).
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerHandlerModule, WorkerRequest, WorkerResponse } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
const data = workerData as { handlerUrl: string; init: unknown };
const mod = (await import(data.handlerUrl)) as WorkerHandlerModule<unknown, unknown, unknown>;
const handler = await mod.createHandler(data.init);

function serve(msg: Exclude<WorkerRequest<unknown, unknown>, { kind: 'batch' }>, transfer: ArrayBuffer[]): WorkerResponse<unknown> {
  const t0 = performance.now();
  try {
    if (msg.kind === 'job') {
      const reply = handler.run(msg.job);
      if (reply.transfer) for (const b of reply.transfer) transfer.push(b);
      return { id: msg.id, ok: true, result: reply.result, busyMs: performance.now() - t0 };
    }
    handler.control?.(msg.control);
    return { id: msg.id, ok: true, result: undefined, busyMs: performance.now() - t0 };
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown; reason?: unknown };
    return {
      id: msg.id,
      ok: false,
      error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? ''), reason: e?.reason === undefined ? undefined : String(e.reason) },
      busyMs: performance.now() - t0,
    };
  }
}

port.on('message', (msg: WorkerRequest<unknown, unknown>) => {
  const transfer: ArrayBuffer[] = [];
  if (msg.kind === 'batch') {
    const out = msg.items.map((item) => serve({ kind: 'job', id: item.id, job: item.job }, transfer));
    port.postMessage(out, transfer);
  } else {
    port.postMessage(serve(msg, transfer), transfer);
  }
});
port.postMessage({ id: -1, ok: true, result: 'ready', busyMs: 0 } satisfies WorkerResponse<unknown>);
