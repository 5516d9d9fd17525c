import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/domain/errors.js';
import { PROMOTION_ACTIONS, type PromotionAction } from '../../../shared/domain/contracts/promotions.js';
import {
  checkApproval,
  checkApprover,
  requestersOf,
  type ApprovalCheckInput,
} from '../../../shared/domain/lifecycle/approvals.js';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';

const open = defaultPolicy({ approvers: ['alice', 'bob', 'automation'] });
const fourEyes = defaultPolicy({ approvers: ['alice', 'bob', 'automation'], requireDistinctApprover: true });

function check(over: Partial<ApprovalCheckInput>): string {
  try {
    checkApproval({ action: 'approve', actor: 'alice', requesters: [], policy: open, existingApprovals: [], ...over });
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).retryable).toBe(false);
    return (err as PermanentError).code;
  }
}

describe('checkApproval: approver list', () => {
  const guarded: PromotionAction[] = ['approve', 'promote', 'rollback', 'set-traffic', 'retire'];
  it.each(PROMOTION_ACTIONS.map((a) => [a, guarded.includes(a) ? 'PROMOTION.UNAUTHORIZED' : 'ok'] as const))(
    'mallory may %s -> %s',
    (action, expected) => {
      expect(check({ action, actor: 'mallory' })).toBe(expected);
    },
  );

  it.each(PROMOTION_ACTIONS)('an approver may %s', (action) => {
    expect(check({ action, actor: 'bob' })).toBe('ok');
  });

  it('names the actor, the action and the list', () => {
    expect(() =>
      checkApproval({ action: 'promote', actor: 'mallory', requesters: [], policy: open, existingApprovals: [] }),
    ).toThrow("actor: mallory may not promote: not on the model's approver list (alice, bob, automation)");
  });

  it('refuses a missing actor', () => {
    expect(check({ action: 'reject', actor: '  ' })).toBe('PROMOTION.UNAUTHORIZED');
  });

  it('lets automation self-approve when four-eyes is off (local default)', () => {
    expect(check({ actor: 'automation', requesters: ['automation'], policy: defaultPolicy() })).toBe('ok');
  });
});

describe('checkApproval: four-eyes', () => {
  it.each([
    [
      'approve by the requester',
      { action: 'approve', actor: 'alice', requesters: ['alice'] },
      'PROMOTION.SAME_APPROVER',
    ],
    [
      'approve by one of several requesters',
      { action: 'approve', actor: 'alice', requesters: ['data-landed:loader', 'alice'] },
      'PROMOTION.SAME_APPROVER',
    ],
    ['approve by someone else', { action: 'approve', actor: 'bob', requesters: ['alice'] }, 'ok'],
    [
      'second approval by the same person',
      { action: 'approve', actor: 'bob', requesters: ['alice'], existingApprovals: [{ actor: 'bob' }] },
      'PROMOTION.SAME_APPROVER',
    ],
    [
      'approve with unknown requester (the bypass: omit requestedBy)',
      { action: 'approve', actor: 'alice' },
      'PROMOTION.REQUESTER_UNKNOWN',
    ],
    ['promote with unknown requester', { action: 'promote', actor: 'alice' }, 'PROMOTION.REQUESTER_UNKNOWN'],
    [
      'promote by the requester without another approval',
      { action: 'promote', actor: 'alice', requesters: ['alice'], existingApprovals: [{ actor: 'alice' }] },
      'PROMOTION.SAME_APPROVER',
    ],
    [
      'promote by the requester after another approval',
      { action: 'promote', actor: 'alice', requesters: ['alice'], existingApprovals: [{ actor: 'bob' }] },
      'ok',
    ],
    ['promote by someone else', { action: 'promote', actor: 'bob', requesters: ['alice'] }, 'ok'],
    [
      'rollback by the requester (emergency brake)',
      { action: 'rollback', actor: 'alice', requesters: ['alice'] },
      'ok',
    ],
    ['rollback with unknown requester', { action: 'rollback', actor: 'alice' }, 'ok'],
    [
      'non-approver is still unauthorized first',
      { action: 'approve', actor: 'mallory', requesters: ['mallory'] },
      'PROMOTION.UNAUTHORIZED',
    ],
  ] as const)('%s -> %s', (_name, over, expected) => {
    expect(check({ policy: fourEyes, ...over })).toBe(expected);
  });

  it('explains the four-eyes refusal', () => {
    expect(() =>
      checkApproval({
        action: 'approve',
        actor: 'alice',
        requesters: ['alice'],
        policy: fourEyes,
        existingApprovals: [],
      }),
    ).toThrow('alice requested this version (alice); the policy requires an approver other than the requester');
    expect(() =>
      checkApproval({ action: 'approve', actor: 'alice', requesters: [], policy: fourEyes, existingApprovals: [] }),
    ).toThrow(/^requestedBy: .*no requester is recorded/);
  });
});

describe('requestersOf / checkApprover', () => {
  it('reads the recorded requesters (a name or a list) and adds the one a command names, without blanks or repeats', () => {
    expect(requestersOf({ requestedBy: ['alice', 'scheduler'] })).toEqual(['alice', 'scheduler']);
    expect(requestersOf({ requestedBy: 'alice' }, 'alice')).toEqual(['alice']);
    expect(requestersOf({ requestedBy: [' ', 7, 'bob'] }, 'carol')).toEqual(['bob', 'carol']);
    expect(requestersOf({})).toEqual([]);
  });

  it('names what the actor may not do', () => {
    expect(checkApprover(' alice ', open, 'change the policy')).toBe('alice');
    expect(() => checkApprover('mallory', open, 'change the policy')).toThrow(
      "actor: mallory may not change the policy: not on the model's approver list",
    );
    expect(() => checkApprover('', open, 'change the policy')).toThrow(
      expect.objectContaining({ code: 'PROMOTION.UNAUTHORIZED' }) as Error,
    );
  });
});
