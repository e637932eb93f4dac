/** Member sessions for unit tests: the given clients for every target, each request recorded. */
import type { MemberSessions, MemberTarget } from '../../handlers/shared/member-access.js';

export interface RecordedMemberSessions<Clients> extends MemberSessions<Clients> {
  /** Every clientsFor request, in order. */
  readonly requests: { readonly target: MemberTarget; readonly executionName: string }[];
}

/** The clients of one account stand for every member's (the tests' resources are all in it). */
export function fakeMembers<Clients>(clients: Clients): RecordedMemberSessions<Clients> {
  const requests: { target: MemberTarget; executionName: string }[] = [];
  return {
    requests,
    async clientsFor(target, executionName) {
      requests.push({ target: { accountId: target.accountId, region: target.region }, executionName });
      return clients;
    },
  };
}

/** Member sessions whose role cannot be assumed: every request throws `error`. */
export function failingMembers<Clients>(error: Error): MemberSessions<Clients> {
  return {
    async clientsFor() {
      throw error;
    },
  };
}
