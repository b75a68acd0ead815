// Deliberately wrong: compose reaching up into deploy, the kind of import the layering check must refuse.
import { plannedVersion } from '../deploy/plan.js';

export const modelVersion = plannedVersion;
