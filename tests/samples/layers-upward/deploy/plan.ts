// A deploy module: the layer above compose.
export const plannedVersion = 'v1.0.0';
