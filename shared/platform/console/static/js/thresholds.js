/**
 * Thresholds the monitoring charts draw, resolved from the model's stored policy. The fallbacks
 * mirror `shared/domain/stats/drift-policy.ts` (DEFAULT_THRESHOLDS, P_VALUE_METHODS) and the
 * policy defaults in `shared/domain/lifecycle/policy.ts`; test/console/thresholds.test.ts keeps
 * them equal.
 */

/** Default threshold per drift method (Evidently's; L-infinity per the Vertex notebook). */
export const DEFAULT_THRESHOLDS = {
  ks: 0.05,
  chi_square: 0.05,
  z_test: 0.05,
  wasserstein: 0.1,
  jensen_shannon: 0.1,
  psi: 0.1,
  l_infinity: 0.3,
};

/** Methods judged by p-value: drift when the statistic is below the threshold. */
export const P_VALUE_METHODS = ['ks', 'chi_square', 'z_test'];

/** Monitoring policy defaults used when a stored policy predates a field. */
export const POLICY_DEFAULTS = {
  driftShare: 0.3,
  skewShare: 0.3,
  predictionThreshold: 0.1,
  r2Floor: 0.65,
  numericDefault: { method: 'psi', threshold: 0.2 },
};

/** The threshold of a feature's drift statistic and its direction (`below` for p-values). */
export function featureThreshold(policy, feature, method) {
  const drift = policy?.drift ?? {};
  const override = drift.features?.[feature] ?? {};
  const numericDefault = drift.numericDefault ?? POLICY_DEFAULTS.numericDefault;
  const categoricalDefault = drift.categoricalDefault ?? {};
  let threshold = override.threshold;
  if (threshold === undefined && override.method === undefined) {
    // The stored method tells which default applied: the numeric default's, the categorical default's, or Evidently's.
    if (numericDefault.method === method && numericDefault.threshold !== undefined)
      threshold = numericDefault.threshold;
    else if (categoricalDefault.method === method && categoricalDefault.threshold !== undefined)
      threshold = categoricalDefault.threshold;
  }
  return {
    value: threshold ?? DEFAULT_THRESHOLDS[method],
    direction: P_VALUE_METHODS.includes(method) ? 'below' : 'above',
  };
}

/** The scalar monitoring thresholds of a policy. */
export function monitoringThresholds(policy) {
  const drift = policy?.drift ?? {};
  return {
    driftShare: drift.driftShare ?? POLICY_DEFAULTS.driftShare,
    skewShare: drift.skewShare ?? POLICY_DEFAULTS.skewShare,
    predictionThreshold: drift.predictionThreshold ?? POLICY_DEFAULTS.predictionThreshold,
    r2Floor: policy?.monitoring?.r2Floor ?? POLICY_DEFAULTS.r2Floor,
  };
}
