export declare const LAYERS: readonly string[];
export declare const RESTRICTED_PACKAGES: Readonly<Record<string, readonly string[]>>;
export declare function findLayerViolations(srcDir: string): string[];
