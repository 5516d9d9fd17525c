/**
 * Meaningful semantic versions for model versions: major when the feature contract changes, minor for a
 * retrain on new data, patch otherwise. Numbers are never reused, even those of rejected versions.
 */
import { PermanentError } from '../errors.js';

/** A parsed `MAJOR.MINOR.PATCH` version (no pre-release or build parts: model versions are releases). */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

/** Which part of the version a new model bumps. */
export const VERSION_BUMPS = ['initial', 'major', 'minor', 'patch'] as const;
/** A version bump kind. */
export type VersionBump = (typeof VERSION_BUMPS)[number];

/** The facts of the champion that decide the next version. */
export interface ChampionVersionFacts {
  version: string;
  contractHash: string;
  datasetFingerprint: string;
}

/** The facts of the candidate that decide the next version. */
export interface CandidateVersionFacts {
  contractHash: string;
  datasetFingerprint: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Whether a string is a `MAJOR.MINOR.PATCH` version. */
export function isSemver(value: string): boolean {
  return SEMVER.test(value);
}

/** Parse `MAJOR.MINOR.PATCH`; throws `VERSION.INVALID` (permanent) on anything else. */
export function parseSemver(value: string): SemVer {
  const m = SEMVER.exec(value);
  if (m === null) {
    throw new PermanentError(
      'VERSION.INVALID',
      `'${value}' is not a semantic version (expected MAJOR.MINOR.PATCH, e.g. 1.2.0)`,
      { value },
    );
  }
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Render a version as `MAJOR.MINOR.PATCH`. */
export function formatSemver(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Negative, zero or positive as `a` is lower than, equal to or greater than `b` (a sort comparator). */
export function compareSemver(a: string | SemVer, b: string | SemVer): number {
  const x = typeof a === 'string' ? parseSemver(a) : a;
  const y = typeof b === 'string' ? parseSemver(b) : b;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** Versions sorted ascending (a new array). */
export function sortSemver(versions: readonly string[]): string[] {
  return [...versions].sort(compareSemver);
}

/** The bump a candidate needs relative to the champion (`initial` when there is no champion). */
export function versionBump(champion: ChampionVersionFacts | undefined, candidate: CandidateVersionFacts): VersionBump {
  if (champion === undefined) return 'initial';
  if (champion.contractHash !== candidate.contractHash) return 'major';
  if (champion.datasetFingerprint !== candidate.datasetFingerprint) return 'minor';
  return 'patch';
}

/**
 * The next version for a candidate, strictly greater than every existing version of its major line.
 * With no champion: 1.0.0, or (when earlier attempts exist, e.g. a rejected 1.0.0) the next minor of the
 * highest line, since there is no contract to compare against.
 */
export function nextVersion(
  existing: readonly string[],
  champion: ChampionVersionFacts | undefined,
  candidate: CandidateVersionFacts,
): string {
  const all = [...existing, ...(champion === undefined ? [] : [champion.version])].map(parseSemver);
  const bump = versionBump(champion, candidate);
  if (all.length === 0) return '1.0.0';
  const highestMajor = Math.max(...all.map((v) => v.major));
  if (bump === 'major') return formatSemver({ major: highestMajor + 1, minor: 0, patch: 0 });
  const line = bump === 'initial' ? highestMajor : parseSemver((champion as ChampionVersionFacts).version).major;
  const top = all
    .filter((v) => v.major === line)
    .sort(compareSemver)
    .at(-1) as SemVer;
  if (bump === 'patch') return formatSemver({ major: line, minor: top.minor, patch: top.patch + 1 });
  return formatSemver({ major: line, minor: top.minor + 1, patch: 0 });
}
