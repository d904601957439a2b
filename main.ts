import { App } from 'cdktf';
import { EnvironmentConfigError, loadEnvironments, UploadPlatformStack } from './modules';

// Every environment is validated before any stack is built, so bad input writes no cdktf.out.
let environments;
try {
  environments = loadEnvironments(__dirname);
} catch (error) {
  if (!(error instanceof EnvironmentConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = new App();
for (const environment of environments) {
  for (const warning of environment.warnings) console.warn(`warning: ${warning}`);
  new UploadPlatformStack(app, { environment });
}
app.synth();
