// Types for build-targets.mjs (plain JavaScript so that bin/quarry.mjs can read it without a loader).
export interface BuildTarget {
  sources: string;
  skip: string[];
  stamp: string;
}
export declare const ROOT: string;
export declare const TARGETS: { cli: BuildTarget; client: BuildTarget };
export declare function sourceFiles(target: BuildTarget, root?: string, directory?: string): string[];
export declare function staleTargets(root?: string, names?: (keyof typeof TARGETS)[]): (keyof typeof TARGETS)[];
