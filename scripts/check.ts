/**
 * The security rules alone, without publishing anything: `npm run check`.
 *
 * Every environment is synthesized into a temporary folder, every rule runs over its cdk.tf.json,
 * each finding is printed as main.ts prints it, then one summary row per environment. Exits 1 when
 * any rule reports an error (or the configuration is invalid).
 */
import * as path from 'node:path';
import { loadEnvironmentsOrExit, UploadPlatformStack } from '../modules';
import { formatSummary, ruleContextFor, synthesizeChecked } from '../modules/security-rules';

const environments = loadEnvironmentsOrExit(path.join(__dirname, '..'));

const result = synthesizeChecked(
  (app) => {
    for (const environment of environments) new UploadPlatformStack(app, { environment });
  },
  { contexts: environments.map(ruleContextFor), publish: false },
);
console.log(`\n${formatSummary(result.reports)}`);
process.exit(result.errorCount > 0 ? 1 : 0);
