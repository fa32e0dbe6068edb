import { ApiError } from './api.ts';
import { confirmAction } from './confirm.ts';
import { badge, replaceChildren } from './dom.ts';
import { formatMs } from './format.ts';
import type { CommandResult } from './schemas.ts';

export type Tone = 'pass' | 'warn' | 'fail' | 'info';
const RESULT_BADGE = { pass: 'ack', warn: 'partial', fail: 'error', info: 'done' } as const;

/** A command's honest answer in one sentence: what it did, who acked, who did not answer. */
export function describeAction(done: string, result: CommandResult): { tone: Tone; text: string } {
  const took = formatMs(result.durationMs);
  const failed = result.acks.filter((ack) => !ack.ok);
  if (!result.complete || result.missing.length > 0) {
    return {
      tone: 'warn',
      text: `Partial answer after ${took}: acked by ${result.acked.join(', ') || 'no node'}, no answer from ${result.missing.join(', ')}; ${result.affected} socket(s) affected.`,
    };
  }
  if (failed.length > 0) {
    return {
      tone: 'fail',
      text: `${failed.map((a) => `${a.nodeId}: ${a.error ?? 'failed'}`).join('; ')} (${took}).`,
    };
  }
  return {
    tone: 'pass',
    text: `${done}: acked by ${result.acked.join(', ')} in ${took}, ${result.affected} socket(s).`,
  };
}

/** An action's failure as an operator reads it (a 404 says the target is gone). */
export function describeFailure(error: unknown): { tone: Tone; text: string } {
  if (error instanceof ApiError && error.status === 404) return { tone: 'info', text: error.message };
  return { tone: 'fail', text: error instanceof Error ? error.message : String(error) };
}

export function showResult(output: HTMLElement, message: { tone: Tone; text: string }): void {
  output.hidden = false;
  output.dataset.tone = message.tone;
  replaceChildren(output, badge(RESULT_BADGE[message.tone], message.tone), ' ', message.text);
}

/**
 * Asks the operator to confirm, runs the command and shows its acks (or why it failed) in `output`.
 * Answers false when the operator cancelled, so nothing was sent.
 */
export async function runConfirmedAction(
  output: HTMLElement,
  action: { title: string; detail: string; done: string; call: () => Promise<CommandResult> },
): Promise<boolean> {
  if (!(await confirmAction(action.title, action.detail))) return false;
  try {
    showResult(output, describeAction(action.done, await action.call()));
  } catch (error) {
    showResult(output, describeFailure(error));
  }
  return true;
}
