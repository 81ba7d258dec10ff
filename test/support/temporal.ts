// One real Temporal dev server per test run (started in globalSetup), and a helper that runs a
// Worker against it for the duration of a test body.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { needService } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string | null;
    temporalSkipReason: string | null;
    /** The workflow code, bundled once in globalSetup. */
    workflowBundlePath: string;
    /** The same with the kill tests' short heartbeat timeouts (shortHeartbeats.ts). */
    shortHeartbeatBundlePath: string;
  }
}

export function temporalAvailable(): boolean {
  return needService('Temporal', inject('temporalAddress') !== null, inject('temporalSkipReason') ?? '');
}

export function temporalAddress(): string {
  const address = inject('temporalAddress');
  if (!address) throw new Error('no Temporal dev server in this test run');
  return address;
}

export async function temporalClient(): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
}

/** The workflow code bundled once for the whole run: pass it to Worker.create, never workflowsPath. */
export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}

let taskQueueCounter = 0;
/** A task queue no other test uses, so parallel test files never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  taskQueueCounter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${taskQueueCounter}`;
}

/** Runs `body` while a real Worker polls `options.taskQueue` on the test run's dev server. */
export async function withWorker<T>(
  options: Omit<WorkerOptions, 'connection'>,
  body: (client: Client) => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  try {
    const worker = await Worker.create({ ...options, connection });
    const client = await temporalClient();
    try {
      return await worker.runUntil(body(client));
    } finally {
      await client.connection.close();
    }
  } finally {
    await connection.close();
  }
}
