/** The alert lifecycle scenarios on the Firestore emulator (real transactions, real contention, real document limits). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  startFirestoreEmulator,
  type Emulator,
} from '../support/emulators.js';
import { describeAlertScenarios } from './alert-scenarios.js';

announceSkippedEmulatorTests('Firestore emulator');

describe.skipIf(!hasGcloud())('on the Firestore emulator', () => {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
  }, 120_000);
  afterAll(async () => emulator?.stop(), 60_000);

  describeAlertScenarios(
    'firestore emulator',
    async () => {
      const store = new FirestoreStateStore({ projectId: `demo-${randomUUID().slice(0, 8)}` });
      return { store, cleanup: () => store.close() };
    },
    3,
  );
});
