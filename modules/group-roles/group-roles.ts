import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { Construct } from 'constructs';
import { RoleAccess, StorageAccessRule } from '../tenant-access/access-rules';
import { TenantAccess, TenantSecretGrants, TenantTableGrants } from '../tenant-access/tenant-access';
import { PlannedGroupRole } from './end-user-roles';

export interface GroupRolesProps {
  /** The groups with a role each (`plannedGroupRoles`): tiers, or tenants in role-per-tenant mode. */
  readonly roles: readonly PlannedGroupRole[];
  /** The user pool that holds the groups. */
  readonly userPoolId: string;
  /** The identity pool whose authenticated identities may assume the roles (a reference). */
  readonly identityPoolId: string;
  /** ARN of the upload bucket. */
  readonly bucketArn: string;
  /** ARN of the key that encrypts the bucket. */
  readonly keyArn: string;
  /** The Region of the bucket, for `kms:ViaService`. */
  readonly region: string;
  /** The principal tag that carries the tenant. */
  readonly tenantTagKey: string;
  /** Every access rule of the environment, group-scoped ones included. */
  readonly rules: readonly StorageAccessRule[];
  /** Sessions without a tenant tag are served (tier roles only; a tenant's role always needs its tag). @default false */
  readonly tenantlessUsers?: boolean;
  /** The tenant table, granted to every role as to the authenticated role (a tenant's role: its own keys). @default - no table */
  readonly table?: TenantTableGrants;
  /** The tenant secrets, granted to every role as to the authenticated role (a tenant's role: its own secret). @default - no secrets */
  readonly secrets?: TenantSecretGrants;
}

/** One group and the role the identity pool hands its members. */
export interface GroupRole {
  readonly plan: PlannedGroupRole;
  readonly group: CognitoUserGroup;
  readonly access: TenantAccess;
}

/**
 * User-pool groups with a role each: tiers (document 002) or, in role-per-tenant mode, tenants
 * (document 004). Every role is a `TenantAccess`: the same trust policy as the authenticated role and
 * a policy compiled from the same access rules, for the tier's groups or the tenant's literal id.
 * Keyed by tier name or tenant id (`Tier-<name>`, `Tenant-<id>`), never by position.
 */
export class GroupRoles extends Construct {
  /** The groups and roles, in plan order. */
  public readonly roles: readonly GroupRole[];

  constructor(scope: Construct, id: string, props: GroupRolesProps) {
    super(scope, id);
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const plan of props.roles) {
      const constructId = `${plan.kind === 'tier' ? 'Tier' : 'Tenant'}-${plan.key}`;
      if (ids.has(constructId)) problems.push(`roles lists ${plan.kind} ${JSON.stringify(plan.key)} twice.`);
      ids.add(constructId);
    }
    if (problems.length > 0) throw new Error(`GroupRoles ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.roles = props.roles.map((plan) => {
      const owner = new Construct(this, `${plan.kind === 'tier' ? 'Tier' : 'Tenant'}-${plan.key}`);
      const access: RoleAccess =
        plan.kind === 'tier'
          ? { tenant: { principalTag: props.tenantTagKey }, groups: [plan.groupName], tenantlessUsers: props.tenantlessUsers ?? false }
          : { tenant: { tenantId: plan.key } };
      const role = new TenantAccess(owner, 'Access', {
        roleName: plan.roleName,
        identityPoolId: props.identityPoolId,
        bucketArn: props.bucketArn,
        keyArn: props.keyArn,
        region: props.region,
        tenantTagKey: props.tenantTagKey,
        rules: props.rules,
        access,
        ...(props.table ? { table: props.table } : {}),
        ...(props.secrets ? { secrets: props.secrets } : {}),
        description:
          plan.kind === 'tier'
            ? `Users of tier ${plan.key} (user-pool group ${plan.groupName}); access is scoped by principal tag and identity id.`
            : `Users of tenant ${plan.key} (user-pool group ${plan.groupName}); access is scoped to that tenant by id and principal tag.`,
      });
      const group = new CognitoUserGroup(owner, 'Group', {
        userPoolId: props.userPoolId,
        name: plan.groupName,
        precedence: plan.precedence,
        roleArn: role.roleArn,
        description: plan.kind === 'tier' ? `Tier ${plan.key}` : `Tenant ${plan.key}`,
      });
      return { plan, group, access: role };
    });
  }
}
