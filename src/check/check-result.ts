import type { Finding } from '../findings/finding.js';

/** Facts proven from the built image, shown in the summary and set as outputs. */
export interface ImageFacts {
  imageId: string;
  sizeBytes: number;
  layerCount: number;
  /** `uid:gid` resolved from the image's own account files. */
  runtimeUser: string;
  /** The `User` of the image config, as written. */
  configuredUser: string;
  builder: string;
  target: string;
  /** The platforms proven, when the image came from the `image` input. */
  platforms?: string[];
}

export interface CheckResult {
  findings: Finding[];
  image: ImageFacts | undefined;
  /** Paths relative to the working directory that the check read. */
  dockerfile: string;
  composeFiles: string[];
  durationMs: number;
}

export function countBySeverity(findings: readonly Finding[]): Record<'error' | 'warning' | 'notice', number> {
  const counts = { error: 0, warning: 0, notice: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
