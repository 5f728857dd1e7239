// Worker thread entry of the WorkerPool: loads the handler module named in workerData, then serves
// job and control messages. Results go back with their ArrayBuffers transferred (no copies).
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerHandlerModule, WorkerRequest, WorkerResponse } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
const data = workerData as { handlerUrl: string; init: unknown };
const mod = (await import(data.handlerUrl)) as WorkerHandlerModule<unknown, unknown, unknown>;
const handler = await mod.createHandler(data.init);

port.on('message', (msg: WorkerRequest<unknown, unknown>) => {
  const t0 = performance.now();
  let response: WorkerResponse<unknown>;
  let transfer: ArrayBuffer[] | undefined;
  try {
    if (msg.kind === 'job') {
      const reply = handler.run(msg.job);
      transfer = reply.transfer;
      response = { id: msg.id, ok: true, result: reply.result, busyMs: performance.now() - t0 };
    } else {
      handler.control?.(msg.control);
      response = { id: msg.id, ok: true, result: undefined, busyMs: performance.now() - t0 };
    }
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown; reason?: unknown };
    response = {
      id: msg.id,
      ok: false,
      error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? ''), reason: e?.reason === undefined ? undefined : String(e.reason) },
      busyMs: performance.now() - t0,
    };
  }
  port.postMessage(response, transfer ?? []);
});
port.postMessage({ id: -1, ok: true, result: 'ready', busyMs: 0 } satisfies WorkerResponse<unknown>);
