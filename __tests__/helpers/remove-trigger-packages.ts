/**
 * Jest runs each test file in a worker that outlives it, so the synth-time trigger packages
 * (written to a private temp folder, removed when a process exits) are removed after each file.
 */
import { removeWrittenPackages } from '../../modules/cognito-trigger';

afterAll(() => removeWrittenPackages());
