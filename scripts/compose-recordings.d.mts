export interface MergeCase {
  name: string;
  dir: string;
  /** Absolute paths, `-f` order. */
  files: string[];
  vars: Record<string, string>;
}
export const MERGE_CORPUS: string;
export const RECORDING_FILE: string;
export const CASE_DIR: string;
export function mergeCases(corpus?: string): MergeCase[];
export function caseEnv(vars: Record<string, string>): Record<string, string>;
export function liveComposeConfig(c: MergeCase): Promise<unknown>;
export function portable<T>(json: T, dir: string): T;
export function readRecording(c: MergeCase): unknown;
