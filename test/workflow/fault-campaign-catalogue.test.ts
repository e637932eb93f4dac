/**
 * The fault campaign's ground truth: a run without faults is safe and fixes the notebook (so the harness
 * and its classifier agree with the workflow when nothing goes wrong), and every call and function the
 * campaign can break is one the path really uses (so no fault is wasted on a call nobody makes).
 */
import { describe, expect, it } from 'vitest';
import { API_TARGETS, type ChaosPath, INVOKED_FUNCTIONS } from '../../simulation/chaos/fault-catalogue.js';
import type { FaultSpec, RunPlan } from '../../simulation/chaos/plan.js';
import { executeRun } from '../../simulation/chaos/run.js';

function plan(path: ChaosPath, faults: readonly FaultSpec[] = []): RunPlan {
  const recreation = path === 'recreation';
  return {
    id: `${path}:0:0`,
    path,
    notebook: {
      running: true,
      ownLifecycleConfig: true,
      files: { 'analysis.ipynb': '{"cells": []}\n', 'data/train.csv': 'a,b\n1,2\n' },
    },
    controls: recreation ? ['SageMaker.1', 'SageMaker.2'] : ['SageMaker.3'],
    ...(recreation ? { approveAfterMinutes: 5, volumeKey: true } : {}),
    rateLimits: 'none',
    faults,
  };
}

/** Fails every update for the whole run: the failure path runs and reports. */
const UPDATE_REFUSED: FaultSpec = { kind: 'updateRefused', persistent: true, atSeconds: 0 };

describe('fault campaign ground truth', () => {
  it.each(['in-place', 'recreation'] as const)(
    'Given the %s path and no fault, When it runs, Then it is safe, every finding is RESOLVED, and it calls everything the campaign can break',
    async (path) => {
      const result = await executeRun(plan(path));
      expect(result.outcome).toMatchObject({ safe: true, reasons: [] });
      expect(result.facts.findings.map((finding) => finding.workflowStatus)).toEqual(
        result.plan.controls.map(() => 'RESOLVED'),
      );
      expect(result.deniedCalls).toEqual([]);
      expect(result.calls).toEqual(
        expect.arrayContaining(API_TARGETS[path].map((target) => `${target.service} ${target.operation}`)),
      );
    },
    120_000,
  );

  it.each(['in-place', 'recreation'] as const)(
    'Given the %s path and every update refused for good, When it runs, Then it is safe and the functions the campaign can break were all invoked',
    async (path) => {
      const result = await executeRun(plan(path, [UPDATE_REFUSED]));
      expect(result.outcome).toMatchObject({ safe: true, reasons: [] });
      const invoked = [
        ...new Set([...result.invokedFunctions, ...(await executeRun(plan(path))).invokedFunctions]),
      ];
      expect(invoked).toEqual(expect.arrayContaining([...INVOKED_FUNCTIONS[path]]));
    },
    120_000,
  );
});
