// Deliberately wrong: only action/ and report/ may talk to the runner's API.
import type { InputOptions } from '@actions/core';

export const required: InputOptions = { required: true };
