export interface ActionInputInfo {
  name: string;
  section: 'check' | 'deploy' | 'github';
  description: string;
  default: string;
  boolean: boolean;
}
export const GENERATED_PATH: string;
export function readInputs(actionYml: string): ActionInputInfo[];
export function renderFlagsModule(actionYml: string): string;
