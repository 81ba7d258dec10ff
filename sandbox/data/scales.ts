// How big each sandbox scale is. Record counts (all streams together) land near:
// tiny ≈ 1k, small ≈ 20k, medium ≈ 200k, large ≥ 1M (the tests pin the first two). wide: many
// repositories with little in each (how a workflow's history grows with a workspace's width).
export type Scale = 'tiny' | 'small' | 'medium' | 'large' | 'wide';
export const SCALES: readonly Scale[] = ['tiny', 'small', 'medium', 'large', 'wide'];

export interface WorkspaceSpec {
  slug: string;
  name: string;
  members: number;
  /** Members who are also members of the first workspace (each seat is billed in both). */
  sharedWithFirst: number;
  projects: number;
  repositories: number;
}

export interface ScaleSpec {
  workspaces: WorkspaceSpec[];
  /** Days of history before the sandbox's starting clock. */
  historyDays: number;
  /** Pull requests opened per repository per working day, on average. */
  prsPerRepoDay: number;
}

export const SCALE_SPECS: Record<Scale, ScaleSpec> = {
  tiny: {
    workspaces: [
      { slug: 'acme', name: 'Acme', members: 8, sharedWithFirst: 0, projects: 2, repositories: 3 },
    ],
    historyDays: 45,
    prsPerRepoDay: 0.2,
  },
  small: {
    workspaces: [
      { slug: 'acme', name: 'Acme', members: 30, sharedWithFirst: 0, projects: 3, repositories: 8 },
      { slug: 'acme-labs', name: 'Acme Labs', members: 12, sharedWithFirst: 5, projects: 1, repositories: 2 },
    ],
    historyDays: 180,
    prsPerRepoDay: 0.6,
  },
  medium: {
    workspaces: [
      { slug: 'acme', name: 'Acme', members: 120, sharedWithFirst: 0, projects: 6, repositories: 30 },
      {
        slug: 'acme-labs',
        name: 'Acme Labs',
        members: 40,
        sharedWithFirst: 15,
        projects: 2,
        repositories: 8,
      },
    ],
    historyDays: 270,
    prsPerRepoDay: 1.1,
  },
  large: {
    workspaces: [
      { slug: 'acme', name: 'Acme', members: 300, sharedWithFirst: 0, projects: 10, repositories: 80 },
      {
        slug: 'acme-labs',
        name: 'Acme Labs',
        members: 100,
        sharedWithFirst: 40,
        projects: 4,
        repositories: 20,
      },
    ],
    historyDays: 365,
    prsPerRepoDay: 2.2,
  },
  wide: {
    workspaces: [
      { slug: 'acme', name: 'Acme', members: 4, sharedWithFirst: 0, projects: 1, repositories: 12 },
    ],
    historyDays: 7,
    prsPerRepoDay: 0.1,
  },
};
