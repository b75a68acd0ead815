import { jest } from '@jest/globals';

// End-to-end tests build images and deploy over SSH on a 2-core machine: minutes, not seconds.
jest.setTimeout(600_000);
