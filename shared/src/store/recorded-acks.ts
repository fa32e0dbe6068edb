import type { CommandAck } from '../schema/command.ts';
import type { EdgeStore } from './port.ts';

/** A node id no ack carries: a watch waiting for it reads the ack list once at its deadline. */
const NO_SUCH_NODE = '\u0000recorded-acks';

/** The acks recorded for a command so far, read as a watch opened after them reads them. */
export async function recordedAcks(
  store: Pick<EdgeStore, 'watchAcks'>,
  commandId: string,
): Promise<CommandAck[]> {
  const watch = await store.watchAcks(commandId);
  return watch.wait([NO_SUCH_NODE], 0);
}
