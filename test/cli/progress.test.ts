/** Training progress lines and their ETA. */
import { describe, expect, it } from 'vitest';
import { bar, EtaTracker, formatDuration, progressLine } from '../../shared/cli/progress.js';
import { progressPrinter } from '../../shared/cli/train.command.js';
import { captureIO } from './support.js';

describe('EtaTracker', () => {
  it('estimates from the pace since the first epoch seen, and restarts with a new family or member', () => {
    const eta = new EtaTracker();
    expect(eta.update({ epoch: 1, epochs: 11 }, 0)).toBeUndefined();
    expect(eta.update({ epoch: 2, epochs: 11 }, 2000)).toBe(18_000);
    expect(eta.update({ epoch: 6, epochs: 11 }, 6000)).toBe(6000); // faster since: 1 s per epoch on average
    expect(eta.update({ epoch: 1, epochs: 300, family: 'trees' }, 7000)).toBeUndefined();
    expect(eta.update({ epoch: 101, epochs: 300, family: 'trees' }, 8000)).toBe(1990);
    expect(eta.update({ epoch: 3, epochs: 300, family: 'trees' }, 9000)).toBeUndefined(); // went backwards: a new phase
  });
});

describe('progress lines', () => {
  it('say the family, the bar, the epoch, the losses and the ETA', () => {
    expect(progressLine({ epoch: 12, epochs: 100, loss: 0.08123, valLoss: 0.0931 }, 80_000)).toBe(
      `train      ${bar(12, 100)} epoch 12/100  loss 0.0812  val 0.0931  ETA ≤ 1m20s`,
    );
    expect(
      progressLine(
        { epoch: 3, epochs: 60, family: 'mlp-ensemble', member: 2, members: 5, loss: 0.1, valLoss: Number.NaN },
        undefined,
      ),
    ).toBe(`mlp-ensemble 2/5 ${bar(3, 60)} epoch 3/60  loss 0.1000`);
    expect([0, 42_000, 185_000, 3_725_000].map(formatDuration)).toEqual(['0s', '42s', '3m05s', '1h02m']);
    expect(bar(5, 10, 4)).toBe('[##..]');
  });

  it('ipo-mlops train prints every epoch on a terminal and every tenth of the run otherwise', () => {
    let now = 0;
    const tty = captureIO(true);
    const pipe = captureIO(false);
    const [onTty, onPipe] = [progressPrinter(tty, () => now), progressPrinter(pipe, () => now)];
    for (let epoch = 1; epoch <= 20; epoch++) {
      now += 500;
      onTty({ kind: 'epoch', step: 'train', epoch, epochs: 20, loss: 1 / epoch, valLoss: 1 / epoch });
      onPipe({ kind: 'epoch', step: 'train', epoch, epochs: 20, loss: 1 / epoch, valLoss: 1 / epoch });
    }
    expect(tty.lines).toHaveLength(20);
    expect(tty.lines[1]).toMatch(/epoch 2\/20 .* ETA ≤ 9s$/);
    expect(pipe.lines.map((l) => /epoch (\d+)/.exec(l)?.[1])).toEqual([
      '2',
      '4',
      '6',
      '8',
      '10',
      '12',
      '14',
      '16',
      '18',
      '20',
    ]);
  });
});
