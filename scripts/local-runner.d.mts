export interface ParsedAnnotation {
  severity: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}
export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  annotations: ParsedAnnotation[];
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}
export const REPO_ROOT: string;
export const NODE24: string;
export function parseAnnotations(stdout: string): ParsedAnnotation[];
export function parseOutputs(text: string): Record<string, string>;
export function actionDefaults(): Promise<Record<string, string>>;
export function runActionLocally(options: {
  workspace: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  echo?: boolean;
}): Promise<ActionRun>;
