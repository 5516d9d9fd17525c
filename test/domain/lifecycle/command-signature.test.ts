import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  signCommand,
  verifyCommandSignature,
} from '../../../shared/domain/lifecycle/command-signature.js';

const KEY = 'k'.repeat(32);
const cmd = {
  type: 'promotion.command',
  action: 'promote',
  version: '1.1.0',
  actor: 'automation',
  idempotencyKey: 'k-1',
};

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[2,{"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('command signatures', () => {
  it('verifies a signature over the same payload in any key order', () => {
    const sig = signCommand(KEY, 'promotions', cmd);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(
      verifyCommandSignature(KEY, 'promotions', { ...cmd, actor: 'automation', type: 'promotion.command' }, sig),
    ).toBe(true);
  });

  it.each([
    ['another key', 'x'.repeat(32), 'promotions', cmd],
    ['another topic', KEY, 'retrain-requests', cmd],
    ['a changed field', KEY, 'promotions', { ...cmd, version: '1.2.0' }],
    ['a replay under a new key', KEY, 'promotions', { ...cmd, idempotencyKey: 'k-2' }],
  ])('refuses %s', (_name, key, topic, payload) => {
    expect(verifyCommandSignature(key, topic, payload, signCommand(KEY, 'promotions', cmd))).toBe(false);
  });

  it('refuses a missing or malformed signature and a key too short to trust', () => {
    expect(verifyCommandSignature(KEY, 'promotions', cmd, undefined)).toBe(false);
    expect(verifyCommandSignature(KEY, 'promotions', cmd, 'zz')).toBe(false);
    expect(verifyCommandSignature('', 'promotions', cmd, signCommand('', 'promotions', cmd))).toBe(false);
  });
});
