import type { LoadedEnvironment } from '../environment-config';
import { RuleContext } from './types';

/** The rule context of a loaded environment: its name, protection, tenant attribute and acknowledgements. */
export function ruleContextFor(environment: LoadedEnvironment): RuleContext {
  return {
    environment: environment.name,
    protected: environment.config.protected,
    tenantAttribute: environment.config.tenantAttribute,
    acknowledgements: environment.config.acknowledgements,
    legacyMutableTenantAttribute: environment.config.legacyMutableTenantAttribute,
  };
}
