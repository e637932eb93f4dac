/**
 * An operator ending the running execution by hand at a chosen moment, for tests and scenarios: the
 * StopExecution (or, standing for an execution that reached its TimeoutSeconds, a time-out) lands just
 * before the execution's next call of `operation` reaches SageMaker, which still goes through, as a
 * call already sent does.
 */
import type { LocalDeployment } from './local-deployment.js';

export function stopWhenSageMakerCalled(
  deployment: LocalDeployment,
  operation: string,
  how: 'stop' | 'timeOut' = 'stop',
): void {
  const { faults } = deployment.account;
  const check = faults.check.bind(faults);
  let done = false;
  faults.check = (service, called, input) => {
    if (!done && service === 'SageMaker' && called === operation) {
      done = true;
      const running = deployment.stateMachine.executions.find((execution) => execution.status === 'RUNNING');
      if (running && how === 'stop') {
        deployment.stateMachine.stop(running.executionArn, 'Operator', 'stopped by hand');
      } else if (running) {
        deployment.stateMachine.timeOut(running.executionArn);
      }
    }
    return check(service, called, input);
  };
}
