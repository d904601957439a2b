import type { LoadedAccount } from '../account-config';
import type { LoadedEnvironment } from '../environment-config';
import { selfSignUpMode } from '../tenant-sign-up/sign-up-mode';
import { CI_ACCESS_RULES } from './rules/ci-access';
import { RuleContext } from './types';

/** The rule context of a loaded environment: its name, protection, tenant attribute and acknowledgements. */
export function ruleContextFor(environment: LoadedEnvironment): RuleContext {
  return {
    environment: environment.name,
    protected: environment.config.protected,
    tenantAttribute: environment.config.tenantAttribute,
    acknowledgements: environment.config.acknowledgements,
    legacyMutableTenantAttribute: environment.config.legacyMutableTenantAttribute,
    tenantlessUsers: environment.config.tenantlessUsers,
    quotas: environment.config.quotas,
    // Only sign-up into a tenant writes the tenant attribute; sign-up without a tenant leaves it as it was.
    selfSignUp: selfSignUpMode(environment.config) === 'into-tenant',
  };
}

/** The rule context of a CI access stack (`account-<name>`): the CI rules, not the platform's. */
export function accountRuleContext(account: LoadedAccount): RuleContext {
  return { environment: account.stackName, protected: true, tenantAttribute: 'customerName', rules: CI_ACCESS_RULES };
}
