import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../statemachines/amazon-states-language.js';
import { formattedMessages, messageLimitProblems, parseFormat } from '../../statemachines/message-limits.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';

function withNote(
  note: string,
  subject = "States.Format('Done: {}', $.plan.notebook.name)",
): StateMachineDefinition {
  return {
    StartAt: 'Close',
    States: {
      Close: { Type: 'Pass', Parameters: { 'note.$': note, 'subject.$': subject }, End: true },
    },
  };
}

describe('finding notes and alert subjects the definition formats itself', () => {
  it('Given the deployed definition, when every note and subject is measured with the longest names, then each fits its limit', () => {
    // Given the definition with the recreation, as the stack deploys it
    const definition = buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 7 * 86400 } });

    // When / Then no template can exceed 512 (notes) or 100 (subjects) characters
    expect(messageLimitProblems(definition)).toEqual([]);
    // And the templates measured are the ones the definition writes on findings and alerts
    expect(new Set(formattedMessages(definition).map(({ state }) => state))).toEqual(
      new Set([
        'ResolveFinding',
        'PrepareResolvedClosing',
        'PrepareRejectedClosing',
        'PrepareExpiredClosing',
        // An expired plan whose approval or rejection was recorded but never reached the workflow, or unread
        'PrepareUndeliveredApprovalClosing',
        'PrepareUndeliveredRejectionClosing',
        'PrepareUnreadExpiryClosing',
        'PrepareNothingChangedClosing',
        'BuildFallbackReport',
        // The resource engines' resolved note and fallback failure note
        'ResolveResourceFindings',
        'BuildResourceFallbackReport',
        // An approved resource change, verified
        'PrepareResourceResolvedClosing',
      ]),
    );
  });

  it('Given a note that quotes a snapshot prefix, when measured, then it is refused: its length has no known bound', () => {
    const problems = messageLimitProblems(
      withNote("States.Format('Snapshot: {}', $.snapshot.Payload.snapshotPrefix)"),
    );
    expect(problems).toEqual(['Close.note.$: no known bound for $.snapshot.Payload.snapshotPrefix']);
  });

  it('Given a note of bounded parts that add up to more than 512 characters, when measured, then it is refused with its worst case', () => {
    const long = 'x'.repeat(400);
    const problems = messageLimitProblems(
      withNote(`States.Format('${long} {} {}', $$.Execution.Name, $.plan.notebook.name)`),
    );
    expect(problems).toEqual(['Close.note.$: up to 545 characters, over the limit of 512']);
  });

  it('Given a subject with a notebook name, when it could pass 100 characters, then it is refused', () => {
    const problems = messageLimitProblems(
      withNote(
        "States.Format('ok {}', $.plan.notebook.name)",
        `States.Format('${'y'.repeat(40)}: {}', $.plan.notebook.name)`,
      ),
    );
    expect(problems).toEqual(['Close.subject.$: up to 105 characters, over the limit of 100']);
  });

  it('Given nested intrinsics and escaped quotes, when parsed, then the arguments are split at the top level only', () => {
    expect(parseFormat("States.Format('it\\'s {} and {}', States.JsonToString($.a), $.b)")).toEqual({
      template: "it's {} and {}",
      args: ['States.JsonToString($.a)', '$.b'],
    });
  });
});
