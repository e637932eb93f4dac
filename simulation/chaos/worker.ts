/**
 * A campaign worker (a child process of runCampaign with `workers` > 1): runs the run ids it is sent,
 * one at a time, and sends each result back. The lifecycle scripts run synchronously and block their
 * process, so runs proceed side by side only in separate processes.
 */
import { planRun } from './plan.js';
import { executeRun, type RunOptions } from './run.js';

export interface WorkerRequest {
  readonly id: string;
  readonly options: RunOptions;
}

process.on('message', (request: WorkerRequest | 'exit') => {
  if (request === 'exit') {
    process.disconnect();
    return;
  }
  executeRun(planRun(request.id), request.options).then(
    (result) => process.send?.({ id: request.id, result }),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
process.send?.('ready');
